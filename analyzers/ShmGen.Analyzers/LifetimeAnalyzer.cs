using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ShmGen.Analyzers.Flow;

namespace ShmGen.Analyzers;

/// <summary>
/// SHM101 (a segment this code creates is never unlinked) and SHM102 (a segment or queue handle is not disposed on
/// every path), for the handles returned by the generated <c>Create</c>, <c>Open</c> and <c>OpenOrCreate</c>.
/// </summary>
/// <remarks>
/// Both rules read the shared flow analysis (docs/architecture.md, "Analyzers: the flow analysis"): SHM102 reports a
/// handle still mapped where the member ends on some path, or opened again in a loop before the previous one was
/// disposed. A handle returned, stored in a field or property, passed on or captured is its new owner's. SHM101 reports
/// a created handle that no path unlinks, unless the options state the intent (<c>UnlinkOnExit = true</c>), the name
/// comes from elsewhere (a parameter, another object's options), or the member removes the same name another way
/// (<c>TryUnlink</c> with the same options or name) or hands it to other code.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LifetimeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [DiagnosticDescriptors.MissingUnlink, DiagnosticDescriptors.NotDisposed];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (ShmGenSymbols.TryCreate(start.Compilation) is { } symbols)
            {
                start.RegisterOperationBlockAction(block => FlowRules.Report(block, symbols, SupportedDiagnostics));
            }
        });
    }
}
