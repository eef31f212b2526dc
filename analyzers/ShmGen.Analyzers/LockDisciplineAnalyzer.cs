using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using ShmGen.Analyzers.Flow;

namespace ShmGen.Analyzers;

/// <summary>
/// SHM201 (a write that reaches the unsynchronized <c>segment.Data</c> where no lock on that segment is held), SHM202
/// (a Guard from <c>Lock</c>/<c>TryLock</c> discarded or not disposed on every path), SHM203 (a ref from a Guard that
/// outlives the Guard) and SHM204 (a Guard, or a ref or Span taken from it, used after the Guard was disposed).
/// </summary>
/// <remarks>
/// SHM201, SHM202 and SHM204 read the shared flow analysis (docs/architecture.md, "Analyzers: the flow analysis"): a
/// write counts as under the lock when, on every path to it, a Guard on the same segment was acquired and not yet
/// disposed. Interlocked, Volatile and ShmGen.Futex take their <c>ref</c> atomically and are not writes outside a lock;
/// reads are never reported. SHM203 is a scope rule: a ref or Span from a Guard local returned, stored in a field, or
/// assigned to a variable of an enclosing scope.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LockDisciplineAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [DiagnosticDescriptors.WriteOutsideLock, DiagnosticDescriptors.GuardNotDisposed, DiagnosticDescriptors.GuardRefEscapes, DiagnosticDescriptors.UseAfterDispose];

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

            start.RegisterOperationBlockAction(block => FlowRules.Report(block, symbols, SupportedDiagnostics));
            start.RegisterOperationAction(c => AnalyzeReturn(c, symbols), OperationKind.Return);
            start.RegisterOperationAction(c => AnalyzeStore(c, symbols), OperationKind.SimpleAssignment);
        });
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
        if (GuardRef(value, symbols) is not { } guard)
        {
            return;
        }

        // A ref return, or a Span over the shared bytes (the accessor of a fixed-size buffer), or a ref struct holding one.
        if (byRef || value.Type is { IsRefLikeType: true })
        {
            Report(context, returned, guard);
        }
    }

    /// <summary>
    /// A ref or Span from a Guard stored where it outlives the Guard: a ref field or Span field (of a ref struct), or a
    /// ref or Span local of an enclosing scope (<c>value = ref guard.Value</c> inside <c>using (var guard = ...)</c>).
    /// </summary>
    private static void AnalyzeStore(OperationAnalysisContext context, ShmGenSymbols symbols)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (!assignment.IsRef && assignment.Target.Type is not { IsRefLikeType: true })
        {
            return;
        }

        if (GuardRef(assignment.Value, symbols) is not { } guard)
        {
            return;
        }

        // A field of a ref struct: it outlives the guard when the struct does (a local of an enclosing scope, a
        // parameter, this).
        var holder = assignment.Target;
        while (true)
        {
            if (holder is IFieldReferenceOperation { Instance: { } fieldOwner })
            {
                holder = fieldOwner;
            }
            else if (holder is IPropertyReferenceOperation { Instance: { } propertyOwner })
            {
                holder = propertyOwner;
            }
            else
            {
                break;
            }
        }

        if (holder is ILocalReferenceOperation local ? Outlives(local.Local, guard) : holder != assignment.Target)
        {
            Report(context, assignment.Value, guard);
        }
    }

    private static bool Outlives(ILocalSymbol local, ILocalSymbol guard)
    {
        var targetScope = Scope(local);
        var guardScope = Scope(guard);
        return targetScope is not null && guardScope is not null && targetScope != guardScope && targetScope.Span.Contains(guardScope.Span);
    }

    private static void Report(OperationAnalysisContext context, IOperation value, ILocalSymbol guard) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GuardRefEscapes, value.Syntax.GetLocation(), value.Syntax.ToString(), guard.Name));

    /// <summary>
    /// The Guard local whose ref <paramref name="value"/> carries: an accessor of it (<c>guard.Data.Window.High</c>,
    /// <c>guard.Tag</c>), or a ref struct built from one (<c>new View(ref guard.Value)</c>).
    /// </summary>
    private static ILocalSymbol? GuardRef(IOperation value, ShmGenSymbols symbols)
    {
        var access = new SharedAccess(symbols, []);
        if (access.GuardAccessor(value) is { Instance: ILocalReferenceOperation { Local.RefKind: RefKind.None } guard })
        {
            return guard.Local;
        }

        if (value is IObjectCreationOperation { Type.IsRefLikeType: true } creation)
        {
            return creation.Arguments.Select(a => GuardRef(a.Value, symbols)).FirstOrDefault(g => g is not null);
        }

        return null;
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
