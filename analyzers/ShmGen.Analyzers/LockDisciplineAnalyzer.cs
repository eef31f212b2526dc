using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ShmGen.Analyzers;

/// <summary>
/// SHM201 (a write through the unsynchronized <c>segment.Data</c> outside a held lock), SHM202 (a Guard from
/// <c>Lock</c>/<c>TryLock</c> discarded or never disposed) and SHM203 (a ref from a Guard that outlives the Guard).
/// </summary>
/// <remarks>
/// A write counts as inside a lock when it follows a <c>Lock</c>/<c>TryLock</c> call on the same segment within the
/// block (or <c>using</c> statement) that scopes that call. Interlocked, Volatile and ShmGen.Futex take their <c>ref</c>
/// atomically and are not writes outside a lock; reads are never reported.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LockDisciplineAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [DiagnosticDescriptors.WriteOutsideLock, DiagnosticDescriptors.GuardNotDisposed, DiagnosticDescriptors.GuardRefEscapes];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (ShmGenSymbols.TryCreate(start.Compilation) is not { } symbols)
            {
                return;
            }

            start.RegisterOperationAction(
                c => AnalyzeWrite(c, symbols),
                OperationKind.SimpleAssignment,
                OperationKind.CompoundAssignment,
                OperationKind.CoalesceAssignment,
                OperationKind.Increment,
                OperationKind.Decrement,
                OperationKind.DeconstructionAssignment);
            start.RegisterOperationAction(c => AnalyzeArgument(c, symbols), OperationKind.Argument);
            start.RegisterOperationAction(c => AnalyzeLockCall(c, symbols), OperationKind.Invocation);
            start.RegisterOperationAction(c => AnalyzeReturn(c, symbols), OperationKind.Return);
        });
    }

    // ---- SHM201 ----

    private static void AnalyzeWrite(OperationAnalysisContext context, ShmGenSymbols symbols)
    {
        switch (context.Operation)
        {
            case ISimpleAssignmentOperation { IsRef: true } refAssignment:
                AnalyzeRefAssignment(context, refAssignment, symbols);
                break;
            case IDeconstructionAssignmentOperation deconstruction:
                ReportTupleTargets(context, deconstruction, deconstruction.Target, symbols);
                break;
            case IAssignmentOperation assignment:
                ReportIfUnsynchronized(context, assignment, assignment.Target, assignment.Syntax, symbols);
                break;
            case IIncrementOrDecrementOperation increment:
                ReportIfUnsynchronized(context, increment, increment.Target, increment.Syntax, symbols);
                break;
        }
    }

    private static void ReportTupleTargets(OperationAnalysisContext context, IOperation write, IOperation target, ShmGenSymbols symbols)
    {
        if (target is ITupleOperation tuple)
        {
            foreach (var element in tuple.Elements)
            {
                ReportTupleTargets(context, write, element, symbols);
            }
        }
        else
        {
            ReportIfUnsynchronized(context, write, target, target.Syntax, symbols);
        }
    }

    private static void AnalyzeArgument(OperationAnalysisContext context, ShmGenSymbols symbols)
    {
        var argument = (IArgumentOperation)context.Operation;
        if (argument.Parameter?.RefKind is not (RefKind.Ref or RefKind.Out))
        {
            return;
        }

        var callee = argument.Parent switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IObjectCreationOperation creation => creation.Constructor,
            _ => null,
        };
        if (symbols.IsAtomicApi(callee?.ContainingType))
        {
            return;
        }

        ReportIfUnsynchronized(context, argument, argument.Value, argument.Syntax, symbols);
    }

    private static void ReportIfUnsynchronized(OperationAnalysisContext context, IOperation write, IOperation target, SyntaxNode reportOn, ShmGenSymbols symbols)
    {
        if (UnsynchronizedDataRoot(target, symbols) is not { } data || IsInsideLock(write, data, symbols))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WriteOutsideLock, reportOn.GetLocation(), target.Syntax.ToString()));
    }

    /// <summary>The <c>segment.Data</c> a write target is reached through (<c>segment.Data.Inner.Count</c>), if any.</summary>
    internal static IPropertyReferenceOperation? UnsynchronizedDataRoot(IOperation target, ShmGenSymbols symbols)
    {
        var current = target;
        while (true)
        {
            switch (current)
            {
                case IPropertyReferenceOperation property when symbols.IsUnsynchronizedData(property.Property):
                    return property;
                case IFieldReferenceOperation { Instance: { } instance }:
                    current = instance;
                    continue;
                case IInlineArrayAccessOperation inlineArray:
                    current = inlineArray.Instance;
                    continue;
                case { Kind: OperationKind.None } unknown when unknown.ChildOperations.FirstOrDefault() is { } first:
                    // Fixed-size buffer element access (segment.Data.Bytes[0]) has no IOperation of its own.
                    current = first;
                    continue;
                default:
                    return null;
            }
        }
    }

    /// <summary>
    /// Whether a <c>Lock</c>/<c>TryLock</c> on the same segment precedes <paramref name="write"/> inside the block or
    /// <c>using</c> statement that scopes that call.
    /// </summary>
    private static bool IsInsideLock(IOperation write, IPropertyReferenceOperation data, ShmGenSymbols symbols)
    {
        var position = write.Syntax.SpanStart;
        foreach (var operation in OperationTrees.Root(write).Descendants())
        {
            if (operation is IInvocationOperation invocation &&
                symbols.IsLock(invocation.TargetMethod) &&
                invocation.Syntax.Span.End <= position &&
                LockScope(invocation).Span.Contains(position) &&
                OperationTrees.SameReceiver(invocation.Instance, data.Instance))
            {
                return true;
            }
        }

        return false;
    }

    private static SyntaxNode LockScope(IOperation lockCall)
    {
        for (var current = lockCall.Parent; current is not null; current = current.Parent)
        {
            if (current is IUsingOperation or IBlockOperation || current.Parent is null)
            {
                return current.Syntax;
            }
        }

        return lockCall.Syntax;
    }

    // ---- SHM202 ----

    private static void AnalyzeLockCall(OperationAnalysisContext context, ShmGenSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!symbols.IsLock(invocation.TargetMethod))
        {
            return;
        }

        if (symbols.IsGuard(invocation.TargetMethod.ReturnType))
        {
            var flow = HandleFlow.Of(invocation);
            if (!flow.Escapes && !flow.Disposed)
            {
                Report(invocation.Syntax, flow.Discarded);
            }

            return;
        }

        // TryLock: only when the bool is dropped or tested right here do we know a Guard can be left undisposed; when
        // it goes elsewhere (Assert.False(segment.TryLock(t, out _))) the caller may rely on the lock not being taken.
        if (!IsTestedOrDropped(invocation))
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is not { RefKind: RefKind.Out } parameter || !symbols.IsGuard(parameter.Type))
            {
                continue;
            }

            switch (argument.Value)
            {
                case IDiscardOperation:
                    Report(argument.Syntax, discarded: true);
                    break;
                case IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared }:
                    ReportLocal(declared.Local, argument);
                    break;
                case ILocalReferenceOperation existing:
                    ReportLocal(existing.Local, argument);
                    break;
            }
        }

        void ReportLocal(ILocalSymbol local, IArgumentOperation argument)
        {
            var flow = HandleFlow.OfLocal(local, argument, usingDeclared: false);
            if (!flow.Escapes && !flow.Disposed)
            {
                Report(argument.Syntax, discarded: false);
            }
        }

        void Report(SyntaxNode node, bool discarded) =>
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.GuardNotDisposed,
                node.GetLocation(),
                invocation.TargetMethod.Name,
                discarded ? "discarded" : "never disposed"));
    }

    private static bool IsTestedOrDropped(IOperation invocation)
    {
        var child = invocation;
        var parent = OperationTrees.ParentSkippingImplicitConversions(invocation, out child);
        while (parent is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not })
        {
            child = parent;
            parent = OperationTrees.ParentSkippingImplicitConversions(parent, out child);
        }

        return parent switch
        {
            IExpressionStatementOperation { IsImplicit: false } => true,
            IConditionalOperation conditional => conditional.Condition == child,
            IWhileLoopOperation loop => loop.Condition == child,
            _ => false,
        };
    }

    // ---- SHM203 ----

    private static void AnalyzeReturn(OperationAnalysisContext context, ShmGenSymbols symbols)
    {
        var returned = ((IReturnOperation)context.Operation).ReturnedValue;
        if (returned is null)
        {
            return;
        }

        var byRef = returned.Syntax.Parent is RefExpressionSyntax;
        var value = returned is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : returned;
        if (GuardAccessorRoot(value, symbols) is not { } accessor || accessor.Instance is not ILocalReferenceOperation { Local.RefKind: RefKind.None } guard)
        {
            return;
        }

        // A ref return, or a Span over the shared bytes (the accessor of a fixed-size buffer).
        if (byRef || accessor.Property.Type.IsRefLikeType)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GuardRefEscapes, returned.Syntax.GetLocation(), returned.Syntax.ToString(), guard.Local.Name));
        }
    }

    private static void AnalyzeRefAssignment(OperationAnalysisContext context, ISimpleAssignmentOperation assignment, ShmGenSymbols symbols)
    {
        if (assignment.Target is not ILocalReferenceOperation target ||
            GuardAccessorRoot(assignment.Value, symbols) is not { Instance: ILocalReferenceOperation { Local.RefKind: RefKind.None } guard })
        {
            return;
        }

        var targetScope = Scope(target.Local);
        var guardScope = Scope(guard.Local);
        if (targetScope is not null && guardScope is not null && targetScope != guardScope && targetScope.Span.Contains(guardScope.Span))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GuardRefEscapes, assignment.Value.Syntax.GetLocation(), assignment.Value.Syntax.ToString(), guard.Local.Name));
        }
    }

    /// <summary>The Guard property (<c>Data</c> or a field accessor) a ref is reached through: <c>guard.Data.Inner.Count</c>.</summary>
    private static IPropertyReferenceOperation? GuardAccessorRoot(IOperation operation, ShmGenSymbols symbols)
    {
        var current = operation;
        while (true)
        {
            switch (current)
            {
                case IPropertyReferenceOperation property when symbols.IsGuard(property.Property.ContainingType):
                    return property.Property.ReturnsByRef || property.Property.ReturnsByRefReadonly || property.Property.Type.IsRefLikeType ? property : null;
                case IFieldReferenceOperation { Instance: { } instance }:
                    current = instance;
                    continue;
                case IInlineArrayAccessOperation inlineArray:
                    current = inlineArray.Instance;
                    continue;
                default:
                    return null;
            }
        }
    }

    /// <summary>The block (or using/for/foreach statement) a local lives in.</summary>
    private static SyntaxNode? Scope(ILocalSymbol local)
    {
        var declaration = local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax();
        for (var current = declaration?.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case BlockSyntax:
                case SwitchSectionSyntax:
                case CompilationUnitSyntax:
                case UsingStatementSyntax:
                case ForStatementSyntax:
                case CommonForEachStatementSyntax:
                case AnonymousFunctionExpressionSyntax:
                case LocalFunctionStatementSyntax:
                    return current;
            }
        }

        return null;
    }
}
