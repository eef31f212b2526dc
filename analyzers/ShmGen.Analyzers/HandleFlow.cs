using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using ShmGen.Layout;

namespace ShmGen.Analyzers;

/// <summary>
/// What happens to a disposable value (a segment or queue handle, a lock Guard) right where it is produced and, when it
/// goes into a local, everywhere that local is used in the member. Deliberately simple and conservative: anything the
/// walk does not understand counts as an escape, and an escape is never reported.
/// </summary>
internal readonly struct HandleFlow
{
    private HandleFlow(bool discarded, bool disposed, bool unlinked, bool escapes, ILocalSymbol? local)
    {
        Discarded = discarded;
        Disposed = disposed;
        Unlinked = unlinked;
        Escapes = escapes;
        Local = local;
    }

    /// <summary>The value is dropped at once: an expression statement, <c>_ = ...</c>, or a member used on the temporary.</summary>
    public bool Discarded { get; }

    /// <summary><c>using</c>, or a <c>Dispose()</c> call on some path.</summary>
    public bool Disposed { get; }

    /// <summary>An <c>Unlink()</c> call on the value on some path.</summary>
    public bool Unlinked { get; }

    /// <summary>Returned, stored, passed, captured, converted or otherwise out of this analysis's sight.</summary>
    public bool Escapes { get; }

    /// <summary>The local that holds the value, if any.</summary>
    public ILocalSymbol? Local { get; }

    /// <summary>Follows the value <paramref name="producer"/> evaluates to.</summary>
    public static HandleFlow Of(IOperation producer)
    {
        var parent = OperationTrees.ParentSkippingImplicitConversions(producer, out var child);
        switch (parent)
        {
            // () => segment.Lock() handed to Assert.Throws or the like: what the callee does with it is unknown.
            case IExpressionStatementOperation { IsImplicit: true }:
                return new HandleFlow(discarded: false, disposed: false, unlinked: false, escapes: true, local: null);
            case IExpressionStatementOperation:
                return new HandleFlow(discarded: true, disposed: false, unlinked: false, escapes: false, local: null);
            case ISimpleAssignmentOperation { Target: IDiscardOperation } assignment when assignment.Value == child:
                return new HandleFlow(discarded: true, disposed: false, unlinked: false, escapes: false, local: null);
            case ISimpleAssignmentOperation { IsRef: false, Target: ILocalReferenceOperation target } assignment when assignment.Value == child:
                return OfLocal(target.Local, producer, usingDeclared: false);
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return OfLocal(declarator.Symbol, producer, OperationTrees.IsUsingDeclared(declarator));
            case IUsingOperation:
                return new HandleFlow(discarded: false, disposed: true, unlinked: false, escapes: false, local: null);
            default:
                return MemberUse(parent, child) is { } member
                    ? new HandleFlow(discarded: true, disposed: member == GeneratedNames.Dispose, unlinked: member == GeneratedNames.Unlink, escapes: false, local: null)
                    : new HandleFlow(discarded: false, disposed: false, unlinked: false, escapes: true, local: null);
        }
    }

    /// <summary>Follows a local that receives the value at <paramref name="origin"/> (for example <c>out var guard</c>).</summary>
    public static HandleFlow OfLocal(ILocalSymbol local, IOperation origin, bool usingDeclared)
    {
        var disposed = usingDeclared;
        var unlinked = false;
        var escapes = false;
        foreach (var reference in OperationTrees.References(OperationTrees.Root(origin), local))
        {
            if (reference.Syntax.Span.Contains(origin.Syntax.Span) || origin.Syntax.Span.Contains(reference.Syntax.Span))
            {
                continue;
            }

            if (OperationTrees.IsCapturedRelativeTo(reference, origin))
            {
                escapes = true;
                continue;
            }

            var parent = OperationTrees.ParentSkippingImplicitConversions(reference, out var child);
            switch (parent)
            {
                case ISimpleAssignmentOperation { IsRef: false } assignment when assignment.Target == child:
                    break; // reassigning the local neither uses nor leaks the value
                case IUsingOperation:
                    disposed = true;
                    break;
                default:
                    switch (MemberUse(parent, child))
                    {
                        case GeneratedNames.Dispose:
                            disposed = true;
                            break;
                        case GeneratedNames.Unlink:
                            unlinked = true;
                            break;
                        case null:
                            escapes = true;
                            break;
                    }

                    break;
            }
        }

        return new HandleFlow(discarded: false, disposed, unlinked, escapes, local);
    }

    /// <summary>The name of the member used on <paramref name="child"/> when it is a receiver, else null.</summary>
    private static string? MemberUse(IOperation? parent, IOperation child) => parent switch
    {
        IInvocationOperation invocation when invocation.Instance == child => invocation.TargetMethod.Name,
        IPropertyReferenceOperation property when property.Instance == child => property.Property.Name,
        IFieldReferenceOperation field when field.Instance == child => field.Field.Name,
        IConditionalAccessOperation conditional when conditional.Operation == child => conditional.WhenNotNull switch
        {
            IInvocationOperation { Instance: IConditionalAccessInstanceOperation } invocation => invocation.TargetMethod.Name,
            IPropertyReferenceOperation { Instance: IConditionalAccessInstanceOperation } property => property.Property.Name,
            _ => null,
        },
        _ => null,
    };
}
