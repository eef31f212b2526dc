using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using ShmGen.Layout;

namespace ShmGen.Analyzers;

/// <summary>
/// SHM101 (a segment this code creates is never unlinked) and SHM102 (a segment or queue handle is never disposed), for
/// the handles returned by the generated <c>Create</c>, <c>Open</c> and <c>OpenOrCreate</c>.
/// </summary>
/// <remarks>
/// Conservative by design, because a lifetime warning that nags gets suppressed wholesale: a handle that is returned,
/// stored in a field or property, passed to a method, captured, converted or used in any way the walk does not model
/// is someone else's business and never reported. A <c>Dispose</c> or <c>Unlink</c> on any path counts, as do
/// <c>using</c> declarations and statements. For SHM101, any <c>Unlink</c>/<c>TryUnlink</c> call in the member, or the
/// segment's name being passed to another method (a cleanup helper, a child process), counts as the name being handled.
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
                start.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, symbols), OperationKind.Invocation);
            }
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, ShmGenSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!symbols.IsFactory(invocation.TargetMethod))
        {
            return;
        }

        var flow = HandleFlow.Of(invocation);
        if (flow.Escapes)
        {
            return;
        }

        var subject = flow.Local?.Name ?? invocation.TargetMethod.ContainingType.Name;
        var location = invocation.Syntax.GetLocation();
        if (!flow.Disposed)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotDisposed, location, subject));
        }

        var creates = invocation.TargetMethod.Name is GeneratedNames.Create or GeneratedNames.OpenOrCreate;
        if (creates && !flow.Unlinked && NameIsChosenHere(invocation) && !NameIsHandledElsewhere(invocation, symbols))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MissingUnlink, location, subject));
        }
    }

    /// <summary>
    /// Whether this code alone decides the segment's name: no options, or <c>new SegmentOptions { ... }</c> (directly or
    /// in a local) whose Name is absent or a constant. Options or names that come from elsewhere (a parameter, a field, a
    /// scratch-name helper) belong to code that may well unlink them; SHM101 stays silent about those.
    /// </summary>
    private static bool NameIsChosenHere(IInvocationOperation factory)
    {
        foreach (var argument in factory.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            var value = argument.Value is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : argument.Value;
            if (value is ILocalReferenceOperation local &&
                local.Local.DeclaringSyntaxReferences.Length == 1 &&
                OperationTrees.Root(factory).Descendants().OfType<IVariableDeclaratorOperation>()
                    .FirstOrDefault(d => SymbolEqualityComparer.Default.Equals(d.Symbol, local.Local))?.Initializer?.Value is { } initializer)
            {
                value = initializer is IConversionOperation { IsImplicit: true } initializerConversion ? initializerConversion.Operand : initializer;
            }

            switch (value)
            {
                case { ConstantValue: { HasValue: true, Value: null } }:
                    continue;
                case IObjectCreationOperation creation:
                    var name = creation.Initializer?.Initializers
                        .OfType<ISimpleAssignmentOperation>()
                        .FirstOrDefault(a => a.Target is IPropertyReferenceOperation { Property.Name: "Name" });
                    if (name is null || name.Value.ConstantValue.HasValue)
                    {
                        continue;
                    }

                    return false;
                default:
                    return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether the member unlinks some segment by other means (<c>Unlink</c>/<c>TryUnlink</c> on anything) or hands the
    /// name or options this segment was created with to another method, which may unlink it.
    /// </summary>
    private static bool NameIsHandledElsewhere(IInvocationOperation factory, ShmGenSymbols symbols)
    {
        var nameCarriers = new System.Collections.Generic.List<ISymbol>();
        foreach (var argument in factory.Arguments)
        {
            var value = argument.Value is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : argument.Value;
            if (OperationTrees.ReferencedSymbol(value) is { } options)
            {
                nameCarriers.Add(options);
            }
            else if (value is IObjectCreationOperation { Initializer: { } initializer })
            {
                foreach (var member in initializer.Initializers)
                {
                    if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Name" } } name &&
                        OperationTrees.ReferencedSymbol(name.Value) is { } nameSymbol)
                    {
                        nameCarriers.Add(nameSymbol);
                    }
                }
            }
        }

        foreach (var operation in OperationTrees.Root(factory).Descendants())
        {
            switch (operation)
            {
                case IInvocationOperation { TargetMethod.Name: GeneratedNames.Unlink or GeneratedNames.TryUnlink }:
                    return true;
                // Opening the same name again is not handing it to someone who might unlink it.
                case IArgumentOperation argument when nameCarriers.Count > 0 && !(argument.Parent is IInvocationOperation call && symbols.IsFactory(call.TargetMethod)):
                    var passed = OperationTrees.ReferencedSymbol(argument.Value);
                    foreach (var carrier in nameCarriers)
                    {
                        if (SymbolEqualityComparer.Default.Equals(passed, carrier))
                        {
                            return true;
                        }
                    }

                    break;
            }
        }

        return false;
    }
}
