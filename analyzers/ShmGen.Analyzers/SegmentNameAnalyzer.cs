using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using ShmGen.Contract;
using ShmGen.Layout;

namespace ShmGen.Analyzers;

/// <summary>
/// SHM006: segment names checked with <see cref="SegmentNameRules"/>, the code the runtime validates names with, in
/// the attribute and in constant <c>new SegmentOptions { Name = "..." }</c>. Names over 31 characters are valid on
/// Linux but not on macOS: reported with warning severity.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SegmentNameAnalyzer : DiagnosticAnalyzer
{
    private const int RawFormat = (int)PayloadFormat.Raw;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.InvalidName];

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

            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, symbols), SymbolKind.NamedType);
            if (symbols.SegmentOptions is { } segmentOptions)
            {
                start.RegisterOperationAction(operationContext => AnalyzeOptions(operationContext, segmentOptions), OperationKind.ObjectCreation);
            }
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, ShmGenSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (symbols.TryGetSharedAttribute(type, out var attribute, out _) && attribute.ConstructorArguments.Length == 1)
        {
            var name = attribute.ConstructorArguments[0].Value as string;
            var location = AttributeSyntaxLocations.PositionalArgument(attribute) ?? ShmGenSymbols.FirstLocation(type);
            var raw = ShmGenSymbols.TryGetNamedArgument(attribute, "Format", out var format) && format.Value is RawFormat;
            Check(name, raw, location, context.ReportDiagnostic);
        }
    }

    private static void AnalyzeOptions(OperationAnalysisContext context, INamedTypeSymbol segmentOptions)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, segmentOptions))
        {
            return;
        }

        foreach (var (value, constant) in SegmentOptionsInitializers.ConstantAssignments(creation, "Name"))
        {
            // Name = null means "the attribute's name": valid.
            if (constant is string name)
            {
                // Which type the options are for is unknown here: the Raw limit is the runtime's to enforce.
                Check(name, raw: false, value.Syntax.GetLocation(), context.ReportDiagnostic);
            }
        }
    }

    private static void Check(string? name, bool raw, Location location, System.Action<Diagnostic> report)
    {
        if (SegmentNameRules.GetError(name, raw) is { } error)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.InvalidName, location, Display(name), error));
        }
        else if (SegmentNameRules.IsLongerThanPortable(name!))
        {
            var reason = string.Format(
                CultureInfo.InvariantCulture,
                "it is {0} characters long; Linux accepts it but macOS allows at most {1}",
                name!.Length,
                SegmentNameRules.PortableMaxLength);
            report(Diagnostic.Create(
                DiagnosticDescriptors.InvalidName, location, DiagnosticSeverity.Warning, additionalLocations: null, properties: null, Display(name), reason));
        }
    }

    private static string Display(string? name)
    {
        if (name is null)
        {
            return "null";
        }

        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
