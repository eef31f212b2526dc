using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ShmGen.Analyzers.Flow;

/// <summary>
/// How an expression reaches shared memory: through the unsynchronized <c>segment.Data</c> (directly, through a ref
/// local, a <c>Span</c> or pointer over it, or a ref-returning helper given the handle), or through a Guard's accessors.
/// The aliases (locals bound to such a ref) are collected once per member, in source order, flow-insensitively: a
/// local that is ever bound to shared memory is treated as pointing there wherever it is used.
/// </summary>
internal sealed class SharedAccess
{
    private readonly ShmGenSymbols _symbols;
    private readonly Dictionary<ILocalSymbol, IOperation> _dataAliases = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ILocalSymbol, ILocalSymbol> _guardAliases = new(SymbolEqualityComparer.Default);

    public SharedAccess(ShmGenSymbols symbols, IEnumerable<IOperation> roots)
    {
        _symbols = symbols;
        foreach (var operation in roots.SelectMany(r => r.DescendantsAndSelf()))
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation { Initializer.Value: { } value } declarator:
                    Bind(declarator.Symbol, value);
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment:
                    Bind(target.Local, assignment.Value);
                    break;
            }
        }
    }

    /// <summary>The guard local a ref or Span local was taken from (<c>ref var v = ref guard.Value</c>), if any.</summary>
    public ILocalSymbol? GuardOf(ILocalSymbol local) => _guardAliases.TryGetValue(local, out var guard) ? guard : null;

    private void Bind(ILocalSymbol local, IOperation value)
    {
        if (!CanAlias(local))
        {
            return;
        }

        if (DataReceiver(value) is { } receiver)
        {
            _dataAliases[local] = receiver;
        }
        else if (GuardAccessor(value) is { Instance: ILocalReferenceOperation guard })
        {
            _guardAliases[local] = _guardAliases.TryGetValue(guard.Local, out var root) ? root : guard.Local;
        }
        else if (Skip(value) is ILocalReferenceOperation source && _guardAliases.TryGetValue(source.Local, out var viaAlias))
        {
            _guardAliases[local] = viaAlias;
        }
    }

    /// <summary>A ref local, a writable Span, or a pointer: a local through which a write reaches what it was bound to.</summary>
    private static bool CanAlias(ILocalSymbol local) =>
        local.RefKind == RefKind.Ref || local.Type is IPointerTypeSymbol || IsWritableSpan(local.Type);

    public static bool IsWritableSpan(ITypeSymbol? type) =>
        type is INamedTypeSymbol { Name: "Span", Arity: 1, ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };

    /// <summary>
    /// The segment expression whose unsynchronized <c>Data</c> a write target (or a ref, Span or pointer) is reached
    /// through: <c>segment.Data.Inner.Count</c>, <c>span[0]</c> over <c>segment.Data.Items</c>, <c>p[1]</c> of
    /// <c>fixed (byte* p = segment.Data.Tag)</c>, <c>Counters(segment).Value</c>.
    /// </summary>
    public IOperation? DataReceiver(IOperation target)
    {
        var current = target;
        for (var depth = 0; depth < 64; depth++)
        {
            switch (current)
            {
                case IPropertyReferenceOperation property when _symbols.IsUnsynchronizedData(property.Property):
                    return property.Instance ?? property;
                case IFieldReferenceOperation { Instance: { } instance }:
                    current = instance;
                    continue;
                case IInlineArrayAccessOperation inlineArray:
                    current = inlineArray.Instance;
                    continue;
                // A Span indexer, or a property of a struct reached by ref: the write lands in the struct's storage.
                case IPropertyReferenceOperation { Instance: { Type.IsValueType: true } instance } when !_symbols.IsGuard(instance.Type):
                    current = instance;
                    continue;
                case IConversionOperation conversion:
                    current = conversion.Operand;
                    continue;
                case IAddressOfOperation addressOf:
                    current = addressOf.Reference;
                    continue;
                case IBinaryOperation { LeftOperand.Type: IPointerTypeSymbol } pointerArithmetic:
                    current = pointerArithmetic.LeftOperand;
                    continue;
                case ILocalReferenceOperation local:
                    return _dataAliases.TryGetValue(local.Local, out var receiver) ? receiver : null;
                case IInvocationOperation invocation when invocation.TargetMethod.ReturnsByRef:
                    // A helper that takes the handle and hands back a ref: into its Data, since a Guard cannot outlive it.
                    return HandleArgument(invocation);
                case IInvocationOperation invocation when IsWritableSpan(invocation.Type):
                    // segment.Data.Items.AsSpan(), MemoryMarshal.CreateSpan(ref segment.Data.Value, 1)
                    var source = invocation.Instance ?? invocation.Arguments.FirstOrDefault()?.Value;
                    if (source is null)
                    {
                        return null;
                    }

                    current = source;
                    continue;
                case IObjectCreationOperation creation when IsWritableSpan(creation.Type) && creation.Arguments.Length > 0:
                    current = creation.Arguments[0].Value;
                    continue;
                case { Kind: OperationKind.None } unknown when unknown.ChildOperations.FirstOrDefault() is { } first:
                    // Fixed-size buffer elements and pointer element access have no IOperation of their own.
                    current = first;
                    continue;
                default:
                    return null;
            }
        }

        return null;
    }

    private IOperation? HandleArgument(IInvocationOperation invocation)
    {
        if (invocation.Instance is { } instance && _symbols.IsGeneratedHandle(instance.Type))
        {
            return instance;
        }

        foreach (var argument in invocation.Arguments)
        {
            var value = Skip(argument.Value);
            if (_symbols.IsGeneratedHandle(value.Type))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The Guard property (<c>Data</c> or a field accessor) a ref or Span is reached through: <c>guard.Data.Inner.Count</c>.</summary>
    public IPropertyReferenceOperation? GuardAccessor(IOperation operation)
    {
        var current = operation;
        for (var depth = 0; depth < 64; depth++)
        {
            switch (current)
            {
                case IPropertyReferenceOperation property when _symbols.IsGuard(property.Property.ContainingType):
                    return property.Property.ReturnsByRef || property.Property.ReturnsByRefReadonly || property.Property.Type.IsRefLikeType ? property : null;
                case IFieldReferenceOperation { Instance: { } instance }:
                    current = instance;
                    continue;
                case IInlineArrayAccessOperation inlineArray:
                    current = inlineArray.Instance;
                    continue;
                case IConversionOperation conversion:
                    current = conversion.Operand;
                    continue;
                case IInvocationOperation { Instance: { } instance } invocation when invocation.Type is { IsRefLikeType: true }:
                    current = instance; // guard.Tag.Slice(2)
                    continue;
                case { Kind: OperationKind.None } unknown when unknown.ChildOperations.FirstOrDefault() is { } first:
                    current = first;
                    continue;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether calling <paramref name="method"/> on a struct reached by ref may change it: an instance method of a
    /// non-readonly struct, declared in source, that assigns one of the struct's fields (a syntactic check of its body).
    /// Methods from metadata (ToString, Equals) and readonly members are reads.
    /// </summary>
    public static bool IsMutatingStructMethod(IMethodSymbol method)
    {
        if (method.IsStatic || method.IsReadOnly || method.ContainingType is not { TypeKind: TypeKind.Struct, IsReadOnly: false } type)
        {
            return false;
        }

        var fields = new HashSet<string>(type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic).Select(f => f.Name));
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            foreach (var node in reference.GetSyntax().DescendantNodes())
            {
                var target = node switch
                {
                    AssignmentExpressionSyntax assignment => assignment.Left,
                    PrefixUnaryExpressionSyntax prefix when prefix.OperatorToken.ValueText is "++" or "--" => prefix.Operand,
                    PostfixUnaryExpressionSyntax postfix when postfix.OperatorToken.ValueText is "++" or "--" => postfix.Operand,
                    _ => null,
                };
                while (target is MemberAccessExpressionSyntax or ElementAccessExpressionSyntax)
                {
                    target = target is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } thisAccess ? thisAccess.Name
                        : target is MemberAccessExpressionSyntax member ? member.Expression
                        : ((ElementAccessExpressionSyntax)target).Expression;
                }

                if (target is IdentifierNameSyntax identifier && fields.Contains(identifier.Identifier.ValueText))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static IOperation Skip(IOperation operation) =>
        operation is IConversionOperation { IsImplicit: true } conversion ? Skip(conversion.Operand) : operation;
}
