using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ShmGen.Analyzers;

/// <summary>Small walks over the IOperation tree shared by the lifetime and lock analyzers.</summary>
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

    /// <summary>The parent, skipping implicit conversions the compiler inserted (not user-written casts).</summary>
    public static IOperation? ParentSkippingImplicitConversions(IOperation operation, out IOperation child)
    {
        child = operation;
        var parent = operation.Parent;
        while (parent is IConversionOperation { IsImplicit: true } conversion)
        {
            child = conversion;
            parent = conversion.Parent;
        }

        return parent;
    }

    /// <summary>Every reference to <paramref name="local"/> under <paramref name="root"/>.</summary>
    public static IEnumerable<ILocalReferenceOperation> References(IOperation root, ILocalSymbol local)
    {
        foreach (var operation in root.Descendants())
        {
            if (operation is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                yield return reference;
            }
        }
    }

    /// <summary>Whether <paramref name="operation"/> sits inside a lambda or local function that <paramref name="origin"/> is not in: a capture.</summary>
    public static bool IsCapturedRelativeTo(IOperation operation, IOperation origin)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return !current.Syntax.Span.Contains(origin.Syntax.Span);
            }
        }

        return false;
    }

    /// <summary>Whether the declarator is a <c>using</c> declaration or the resource of a <c>using</c> statement.</summary>
    public static bool IsUsingDeclared(IVariableDeclaratorOperation declarator)
    {
        for (var current = declarator.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IUsingDeclarationOperation:
                case IUsingOperation:
                    return true;
                case IVariableDeclarationOperation:
                case IVariableDeclarationGroupOperation:
                    continue;
                default:
                    return false;
            }
        }

        return false;
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
