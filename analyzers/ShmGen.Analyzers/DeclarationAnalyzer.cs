using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ShmGen.Layout;

namespace ShmGen.Analyzers;

/// <summary>
/// The declaration rules the generator needs to emit anything: SHM005 (partial, including containing types), SHM007
/// (one type per segment name in a compilation), SHM009 (queue capacity) and SHM010 (field names the Guard already uses).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        DiagnosticDescriptors.NotPartial,
        DiagnosticDescriptors.DuplicateName,
        DiagnosticDescriptors.InvalidCapacity,
        DiagnosticDescriptors.GuardNameClash,
    ];

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

            var claims = new ConcurrentBag<NameClaim>();
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, symbols, claims), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(endContext => ReportDuplicateNames(endContext, claims));
        });
    }

    private readonly record struct NameClaim(string Name, INamedTypeSymbol Type, Location Location);

    private static void AnalyzeType(SymbolAnalysisContext context, ShmGenSymbols symbols, ConcurrentBag<NameClaim> claims)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!symbols.TryGetSharedAttribute(type, out var attribute, out var kind))
        {
            return;
        }

        ReportNotPartial(context, type, attribute);

        if (attribute.ConstructorArguments is [{ Value: string name }])
        {
            claims.Add(new NameClaim(name, type, AttributeSyntaxLocations.PositionalArgument(attribute) ?? ShmGenSymbols.FirstLocation(type)));
        }

        if (kind is SharedKind.Queue or SharedKind.Topic &&
            ShmGenSymbols.TryGetNamedArgument(attribute, "Capacity", out var capacity) &&
            capacity.Value is int value &&
            !QueueRules.IsValidCapacity(value))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidCapacity,
                AttributeSyntaxLocations.NamedArgument(attribute, "Capacity") ?? ShmGenSymbols.FirstLocation(type),
                value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (kind == SharedKind.Segment)
        {
            foreach (var field in LayoutCalculator.InstanceFields(type))
            {
                if (GeneratedNames.ClashesWithGuardMember(field))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GuardNameClash, ShmGenSymbols.FirstLocation(field), field.Name));
                }
            }
        }
    }

    /// <summary>
    /// One diagnostic per annotated type, on its name, listing every type of the chain that lacks <c>partial</c>; the
    /// non-partial declarations are additional locations, which the code fix makes partial.
    /// </summary>
    private static void ReportNotPartial(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData attribute)
    {
        var missing = new List<(INamedTypeSymbol Type, TypeDeclarationSyntax? Declaration)>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            var declarations = t.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(context.CancellationToken))
                .OfType<TypeDeclarationSyntax>()
                .ToList();
            if (!declarations.Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword)))
            {
                missing.Insert(0, (t, declarations.FirstOrDefault()));
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        var attributeTree = attribute.ApplicationSyntaxReference?.SyntaxTree;
        var location = type.Locations.FirstOrDefault(l => l.SourceTree == attributeTree) ?? ShmGenSymbols.FirstLocation(type);
        var names = string.Join(" and ", missing.Select(m => "'" + m.Type.Name + "'"));
        var subject = missing.Any(m => SymbolEqualityComparer.Default.Equals(m.Type, type))
            ? names
            : names + (missing.Count == 1 ? ", which contains " : ", which contain ") + "'" + type.Name + "',";
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.NotPartial,
            location,
            missing.Where(m => m.Declaration is not null).Select(m => m.Declaration!.Identifier.GetLocation()),
            subject));
    }

    private static void ReportDuplicateNames(CompilationAnalysisContext context, ConcurrentBag<NameClaim> claims)
    {
        foreach (var group in claims.GroupBy(c => c.Name, System.StringComparer.Ordinal))
        {
            var sorted = group
                .OrderBy(c => c.Location.SourceTree?.FilePath, System.StringComparer.Ordinal)
                .ThenBy(c => c.Location.SourceSpan.Start)
                .ToList();
            if (sorted.Count < 2)
            {
                continue;
            }

            for (var i = 0; i < sorted.Count; i++)
            {
                var other = sorted[i == 0 ? 1 : 0];
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateName,
                    sorted[i].Location,
                    [other.Location],
                    sorted[i].Name,
                    other.Type.ToDisplayString()));
            }
        }
    }
}
