using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ShmGen.Analyzers.Flow;

/// <summary>Small walks over the IOperation tree shared by the analyzers and the flow analysis.</summary>
internal static class OperationTrees
{
    /// <summary>The root of the operation tree: the whole body of the member, lambdas and local functions included.</summary>
    public static IOperation Root(IOperation operation)
    {
        var current = operation;
        while (current.Parent is { } parent)
        {
            current = parent;
        }

        return current;
    }

    /// <summary>The symbol a simple receiver expression names (local, parameter, field, property), or null.</summary>
    public static ISymbol? ReferencedSymbol(IOperation? operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation field => field.Field,
        IPropertyReferenceOperation property => property.Property,
        IConversionOperation { IsImplicit: true } conversion => ReferencedSymbol(conversion.Operand),
        _ => null,
    };

    /// <summary>Whether two receivers denote the same handle: the same symbol, or equivalent expressions.</summary>
    public static bool SameReceiver(IOperation? a, IOperation? b)
    {
        if (a is null || b is null)
        {
            return false;
        }

        var symbolA = ReferencedSymbol(a);
        var symbolB = ReferencedSymbol(b);
        if (symbolA is not null && symbolB is not null)
        {
            return SymbolEqualityComparer.Default.Equals(symbolA, symbolB) && SameReceiver(Instance(a), Instance(b), allowBothNull: true);
        }

        return a.Syntax.IsEquivalentTo(b.Syntax, topLevel: false);
    }

    private static bool SameReceiver(IOperation? a, IOperation? b, bool allowBothNull) =>
        (allowBothNull && a is null && b is null) ||
        (a is IInstanceReferenceOperation && b is IInstanceReferenceOperation) ||
        SameReceiver(a, b);

    private static IOperation? Instance(IOperation operation) => operation switch
    {
        IFieldReferenceOperation field => field.Instance,
        IPropertyReferenceOperation property => property.Instance,
        IConversionOperation { IsImplicit: true } conversion => Instance(conversion.Operand),
        _ => null,
    };
}
