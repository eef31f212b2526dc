using System;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ShmGen.Analyzers;

/// <summary>
/// SHM301: a constant <c>Mode</c> (on <c>[SharedSegment]</c>/<c>[SharedQueue]</c> or in a <c>SegmentOptions</c>
/// initializer) that grants group or other permission bits, such as the classic 0666. Read bits alone
/// (<c>GroupRead</c>/<c>OtherRead</c>, the mode a <c>ReadOnlyView</c> reader needs) are asked for deliberately, so they
/// are reported at Info, with the reminder that reading is sharing too; any write or execute bit is the warning.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModeAnalyzer : DiagnosticAnalyzer
{
    private const int GroupBits = 0x38; // GroupRead | GroupWrite | GroupExecute (070)
    private const int OtherBits = 0x07; // OtherRead | OtherWrite | OtherExecute (007)
    private const int ReadBits = 0x24;  // GroupRead | OtherRead (044)

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.WideMode];

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

    /// <summary>
    /// The mode as octal, the classes of users it opens the segment to, and whether it grants them only read access;
    /// null when it is private.
    /// </summary>
    internal static (string Octal, string Audience, bool ReadOnly)? Describe(object? constant)
    {
        if (constant is null)
        {
            return null;
        }

        int mode;
        try
        {
            mode = Convert.ToInt32(constant, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            return null;
        }

        var group = (mode & GroupBits) != 0;
        var other = (mode & OtherBits) != 0;
        if (!group && !other)
        {
            return null;
        }

        var readOnly = (mode & (GroupBits | OtherBits) & ~ReadBits) == 0;
        var audience = (group && other ? "group and other" : group ? "group" : "other") + (readOnly ? " read" : "");
        return ("0" + Convert.ToString(mode & 0xFFF, 8), audience, readOnly);
    }

    private static Diagnostic Report(Location location, (string Octal, string Audience, bool ReadOnly) wide) =>
        Diagnostic.Create(
            DiagnosticDescriptors.WideMode,
            location,
            wide.ReadOnly ? DiagnosticSeverity.Info : DiagnosticSeverity.Warning,
            additionalLocations: null,
            properties: null,
            wide.Octal,
            wide.Audience,
            wide.ReadOnly ? ReadOnlyConsequence : WritableConsequence);

    internal const string WritableConsequence = "any such local user can read or corrupt the shared data";

    internal const string ReadOnlyConsequence = "reading is sharing too, any such local user can read the shared data";

    private static void AnalyzeType(SymbolAnalysisContext context, ShmGenSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (symbols.TryGetSharedAttribute(type, out var attribute, out _) &&
            ShmGenSymbols.TryGetNamedArgument(attribute, "Mode", out var mode) &&
            Describe(mode.Value) is { } wide)
        {
            context.ReportDiagnostic(Report(AttributeSyntaxLocations.NamedArgument(attribute, "Mode") ?? ShmGenSymbols.FirstLocation(type), wide));
        }
    }

    private static void AnalyzeOptions(OperationAnalysisContext context, INamedTypeSymbol segmentOptions)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, segmentOptions))
        {
            return;
        }

        foreach (var (value, constant) in SegmentOptionsInitializers.ConstantAssignments(creation, "Mode"))
        {
            if (Describe(constant) is { } wide)
            {
                context.ReportDiagnostic(Report(value.Syntax.GetLocation(), wide));
            }
        }
    }
}
