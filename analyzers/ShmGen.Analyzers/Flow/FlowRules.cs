using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis.Operations;
using ShmGen.Contract;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace ShmGen.Analyzers.Flow;

/// <summary>
/// Runs <see cref="ResourceFlowAnalysis"/> once per member for every rule that reads it: the lifetime analyzer
/// (SHM101, SHM102) and the lock-discipline analyzer (SHM201, SHM202, SHM204) ask for the same member's findings and
/// each reports its own IDs; the second one gets the first one's result from a per-compilation cache.
/// </summary>
internal static class FlowRules
{
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<SyntaxNode, ImmutableArray<Diagnostic>>> s_cache = new();

    public static void Report(OperationBlockAnalysisContext context, ShmGenSymbols symbols, ImmutableArray<DiagnosticDescriptor> supported)
    {
        if (context.OperationBlocks.IsEmpty)
        {
            return;
        }

        var perCompilation = s_cache.GetValue(context.Compilation, _ => new ConcurrentDictionary<SyntaxNode, ImmutableArray<Diagnostic>>());
        var key = context.OperationBlocks[0].Syntax;
        if (!perCompilation.TryGetValue(key, out var diagnostics))
        {
            diagnostics = Analyze(context, symbols);
            perCompilation.TryAdd(key, diagnostics);
        }

        foreach (var diagnostic in diagnostics)
        {
            foreach (var descriptor in supported)
            {
                if (descriptor.Id == diagnostic.Id)
                {
                    context.ReportDiagnostic(diagnostic);
                    break;
                }
            }
        }
    }

    private static ImmutableArray<Diagnostic> Analyze(OperationBlockAnalysisContext context, ShmGenSymbols symbols)
    {
        var roots = new List<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var root = OperationTrees.Root(block);
            if (!roots.Contains(root))
            {
                roots.Add(root);
            }
        }

        // Most members never touch a segment: build no graph for them.
        if (!roots.Any(root => root.DescendantsAndSelf().Any(operation => Touches(operation, symbols))))
        {
            return [];
        }

        var flow = new FlowContext(symbols, roots, context.CancellationToken);
        var graphs = new List<ControlFlowGraph>();
        foreach (var block in context.OperationBlocks)
        {
            if (Graph(context, block) is { } graph && !graphs.Contains(graph))
            {
                graphs.Add(graph);
                ResourceFlowAnalysis.Run(graph, flow);
            }
        }

        return [.. flow.Diagnostics];
    }

    /// <summary>An operation whose value is a segment, queue or topic handle or a Guard (the name is a cheap first test).</summary>
    private static bool Touches(IOperation operation, ShmGenSymbols symbols) =>
        operation.Type is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } type &&
        (type.Name.EndsWith(ShmContract.SegmentSuffix, System.StringComparison.Ordinal) ||
         type.Name.EndsWith(ShmContract.QueueSuffix, System.StringComparison.Ordinal) ||
         type.Name.EndsWith(ShmContract.TopicSuffix, System.StringComparison.Ordinal) ||
         type.Name == Layout.GeneratedNames.Guard) &&
        (symbols.IsGeneratedHandle(type) || symbols.IsGuard(type));

    /// <summary>The graph of a method body, constructor, initializer; null for blocks Roslyn builds none for (attributes).</summary>
    private static ControlFlowGraph? Graph(OperationBlockAnalysisContext context, IOperation block)
    {
        try
        {
            return context.GetControlFlowGraph(block);
        }
        catch (System.ArgumentException)
        {
            return null;
        }
    }
}
