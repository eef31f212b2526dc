using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ShmGen.Contract;
using ShmGen.Layout;

namespace ShmGen.Analyzers;

/// <summary>
/// SHM001–SHM004 and SHM008: reports the problems the shared layout model (<see cref="LayoutCalculator"/>, the same code
/// the generator lays structs out with) finds in a <c>[SharedSegment]</c> or <c>[SharedQueue]</c> struct, on the field or
/// attribute that causes each.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LayoutAnalyzer : DiagnosticAnalyzer
{
    private const int RawFormat = (int)PayloadFormat.Raw;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        DiagnosticDescriptors.NotUnmanagedStruct,
        DiagnosticDescriptors.ProcessLocalAddress,
        DiagnosticDescriptors.AutoLayout,
        DiagnosticDescriptors.NonPortableType,
        DiagnosticDescriptors.Misaligned,
    ];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (ShmGenSymbols.TryCreate(start.Compilation) is { } symbols)
            {
                start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, symbols), SymbolKind.NamedType);
            }
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, ShmGenSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!symbols.TryGetSharedAttribute(type, out var attribute, out _))
        {
            return;
        }

        var typeLocation = TypeLocation(type, attribute);
        if (type.IsRefLikeType)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.NotUnmanagedStruct, typeLocation, type.Name, $"'{type.Name}' is a ref struct, which cannot be stored outside the stack"));
        }

        var raw = ShmGenSymbols.TryGetNamedArgument(attribute, "Format", out var format) && format.Value is RawFormat;
        var layout = LayoutCalculator.Compute(type);
        var reported = new HashSet<(LayoutProblemKind, Location, string)>();
        foreach (var problem in layout.Problems)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var location = problem.Attribute is { } layoutAttribute
                ? AttributeArgumentLocation(layoutAttribute, typeLocation)
                : SymbolEqualityComparer.Default.Equals(problem.Symbol, type) ? typeLocation : ShmGenSymbols.FirstLocation(problem.Symbol);
            if (!reported.Add((problem.Kind, location, problem.Subject)))
            {
                continue;
            }

            var descriptor = problem.Kind switch
            {
                LayoutProblemKind.ProcessLocalAddress => DiagnosticDescriptors.ProcessLocalAddress,
                LayoutProblemKind.AutoLayout => DiagnosticDescriptors.AutoLayout,
                LayoutProblemKind.NonPortableType => DiagnosticDescriptors.NonPortableType,
                LayoutProblemKind.Misaligned => DiagnosticDescriptors.Misaligned,
                _ => DiagnosticDescriptors.NotUnmanagedStruct,
            };

            // SHM004 matters to C and Python peers, which the Raw format is for; with the Standard header only .NET
            // processes validate and read the segment, so it is information there.
            var severity = problem.Kind == LayoutProblemKind.NonPortableType && !raw ? DiagnosticSeverity.Info : descriptor.DefaultSeverity;
            var messageArguments = problem.Kind == LayoutProblemKind.AutoLayout ? [problem.Subject] : new object[] { problem.Subject, problem.Detail };
            context.ReportDiagnostic(Diagnostic.Create(descriptor, location, severity, additionalLocations: null, properties: null, messageArguments));
        }
    }

    /// <summary>The type's identifier in the declaration that carries the attribute (not a generated partial part).</summary>
    private static Location TypeLocation(INamedTypeSymbol type, AttributeData attribute)
    {
        var attributeTree = attribute.ApplicationSyntaxReference?.SyntaxTree;
        foreach (var location in type.Locations)
        {
            if (location.IsInSource && location.SourceTree == attributeTree)
            {
                return location;
            }
        }

        return ShmGenSymbols.FirstLocation(type);
    }

    /// <summary><c>LayoutKind.Auto</c> inside <c>[StructLayout(LayoutKind.Auto)]</c>, or the attribute.</summary>
    private static Location AttributeArgumentLocation(AttributeData attribute, Location fallback)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax syntax)
        {
            return syntax.ArgumentList is { Arguments.Count: > 0 } arguments
                ? arguments.Arguments[0].GetLocation()
                : syntax.GetLocation();
        }

        return fallback;
    }
}
