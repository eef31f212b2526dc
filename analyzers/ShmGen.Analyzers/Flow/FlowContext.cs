using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ShmGen.Analyzers.Flow;

/// <summary>
/// What the analysis of one member shares between its own control-flow graph and those of its lambdas and local
/// functions: the symbols, the shared-memory aliases, the locals that lambdas capture, the original (un-lowered)
/// calls, and the diagnostics found, each reported once.
/// </summary>
internal sealed class FlowContext
{
    private readonly HashSet<(string Id, TextSpanKey Span)> _reported = [];
    private readonly Dictionary<SyntaxNode, IInvocationOperation> _originalCalls = new();

    public FlowContext(ShmGenSymbols symbols, IReadOnlyList<IOperation> roots, CancellationToken cancellationToken)
    {
        Symbols = symbols;
        Roots = roots;
        CancellationToken = cancellationToken;
        Access = new SharedAccess(symbols, roots);
        foreach (var operation in roots.SelectMany(r => r.DescendantsAndSelf()))
        {
            switch (operation)
            {
                case IInvocationOperation invocation:
                    _originalCalls[invocation.Syntax] = invocation;
                    break;
                case IAnonymousFunctionOperation or ILocalFunctionOperation:
                    foreach (var reference in operation.Descendants().OfType<ILocalReferenceOperation>())
                    {
                        if (reference.Local.DeclaringSyntaxReferences.FirstOrDefault() is not { } declaration ||
                            !operation.Syntax.Span.Contains(declaration.Span))
                        {
                            Captured.Add(reference.Local);
                        }
                    }

                    break;
            }
        }
    }

    public ShmGenSymbols Symbols { get; }

    /// <summary>The member's operation trees as written (before lowering into the graph).</summary>
    public IReadOnlyList<IOperation> Roots { get; }

    public CancellationToken CancellationToken { get; }

    public SharedAccess Access { get; }

    /// <summary>Locals used inside a lambda or local function declared elsewhere: what they hold escapes.</summary>
    public HashSet<ILocalSymbol> Captured { get; } = new(SymbolEqualityComparer.Default);

    public List<Diagnostic> Diagnostics { get; } = [];

    /// <summary>The call as written, for the graph's lowered copy of it (options initializers are lowered away).</summary>
    public IInvocationOperation? Original(IInvocationOperation call) => _originalCalls.TryGetValue(call.Syntax, out var original) ? original : null;

    /// <summary>The root of the original tree that holds <paramref name="operation"/>.</summary>
    public IOperation RootOf(IOperation operation) => OperationTrees.Root(operation);

    public void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params object?[] arguments)
    {
        if (_reported.Add((descriptor.Id, new TextSpanKey(node.SyntaxTree.FilePath, node.Span.Start, node.Span.Length))))
        {
            Diagnostics.Add(Diagnostic.Create(descriptor, node.GetLocation(), arguments));
        }
    }

    private readonly record struct TextSpanKey(string Path, int Start, int Length);
}
