using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ShmGen.Analyzers;

/// <summary>
/// SHM205: <c>Guard.Wait</c> (either overload) that is not inside a <c>while</c>, <c>do</c> or <c>for</c> loop of the
/// same method, lambda or local function. Wait may return without the awaited condition holding (a spurious wake-up, a
/// NotifyAll meant for others, a state changed again before the lock came back), so its caller must re-check in a loop.
/// A <c>foreach</c> is not such a loop. The code fix turns <c>if (!ready) guard.Wait();</c> into <c>while (!ready) guard.Wait();</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GuardWaitAnalyzer : DiagnosticAnalyzer
{
    internal const string WaitMethod = "Wait";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.WaitOutsideLoop];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (ShmGenSymbols.TryCreate(start.Compilation) is { } symbols)
            {
                start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.Invocation);
            }
        });
    }

    private static void Analyze(OperationAnalysisContext context, ShmGenSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod is not { Name: WaitMethod, IsStatic: false } method || !symbols.IsGuard(method.ContainingType))
        {
            return;
        }

        // Up to the enclosing method, lambda or local function: a loop outside a lambda does not re-run the lambda's wait.
        for (var current = invocation.Parent; current is not (null or IAnonymousFunctionOperation or ILocalFunctionOperation); current = current.Parent)
        {
            if (current is IWhileLoopOperation or IForLoopOperation)
            {
                return;
            }
        }

        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WaitOutsideLoop, invocation.Syntax.GetLocation(), invocation.Syntax.ToString()));
    }
}
