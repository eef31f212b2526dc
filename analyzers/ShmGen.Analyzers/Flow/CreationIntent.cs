using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using ShmGen.Layout;

namespace ShmGen.Analyzers.Flow;

/// <summary>
/// What the options given to <c>Create</c>/<c>OpenOrCreate</c> say about who owns the name (SHM101): whether this
/// code chose it (no options, a constant or locally computed Name, options built here or in a static or own field),
/// whether they state <c>UnlinkOnExit = true</c>, and whether the member removes that same name another way
/// (<c>TryUnlink</c> with the same options or name) or hands it to other code.
/// </summary>
internal static class CreationIntent
{
    private const string NameProperty = "Name";
    private const string UnlinkOnExitProperty = "UnlinkOnExit";

    /// <summary>Whether SHM101 may be reported for this (original-tree) factory call.</summary>
    public static bool OwnsUnhandledName(IInvocationOperation factory, IOperation root, ShmGenSymbols symbols)
    {
        var options = OptionsArgument(factory);
        if (options is not null)
        {
            // Options or a name from elsewhere belong to their owner; UnlinkOnExit = true states how the name goes.
            if (!Resolve(options, root, out var name, out var unlinkOnExit) || unlinkOnExit || (name is not null && !IsChosenHere(name)))
            {
                return false;
            }
        }

        return !IsHandledElsewhere(factory, options, root, symbols);
    }

    private static IOperation? OptionsArgument(IInvocationOperation call)
    {
        foreach (var argument in call.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            var value = Skip(argument.Value);
            if (value.ConstantValue is { HasValue: true, Value: null })
            {
                continue;
            }

            return value;
        }

        return null;
    }

    /// <summary>
    /// Follows options to where they are built: <c>new SegmentOptions { ... }</c> here, in a local's initializer, or in
    /// the initializer of a static field or property or one of this object's own. False when they come from elsewhere.
    /// </summary>
    private static bool Resolve(IOperation options, IOperation root, out NameSource? name, out bool unlinkOnExit)
    {
        name = null;
        unlinkOnExit = false;
        switch (options)
        {
            case IObjectCreationOperation creation:
                foreach (var member in creation.Initializer?.Initializers ?? [])
                {
                    if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } assignment)
                    {
                        if (target.Property.Name == NameProperty)
                        {
                            name = new NameSource(Skip(assignment.Value), null);
                        }
                        else if (target.Property.Name == UnlinkOnExitProperty && assignment.Value.ConstantValue is { HasValue: true, Value: true })
                        {
                            unlinkOnExit = true;
                        }
                    }
                }

                return true;
            case ILocalReferenceOperation local:
                var initializer = root.DescendantsAndSelf().OfType<IVariableDeclaratorOperation>()
                    .FirstOrDefault(d => SymbolEqualityComparer.Default.Equals(d.Symbol, local.Local))?.Initializer?.Value;
                return initializer is not null && Resolve(Skip(initializer), root, out name, out unlinkOnExit);
            case IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field:
                return ResolveSyntax(field.Field, out name, out unlinkOnExit);
            case IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } property:
                return ResolveSyntax(property.Property, out name, out unlinkOnExit);
            default:
                return false;
        }
    }

    /// <summary>Options held in a field or auto-property of this type: read its initializer's syntax.</summary>
    private static bool ResolveSyntax(ISymbol member, out NameSource? name, out bool unlinkOnExit)
    {
        name = null;
        unlinkOnExit = false;
        var initializer = member.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() switch
        {
            VariableDeclaratorSyntax declarator => declarator.Initializer?.Value,
            PropertyDeclarationSyntax property => property.Initializer?.Value,
            _ => null,
        };
        var objectInitializer = initializer switch
        {
            ObjectCreationExpressionSyntax creation => creation.Initializer,
            ImplicitObjectCreationExpressionSyntax creation => creation.Initializer,
            _ => null,
        };
        if (initializer is null || (objectInitializer is null && initializer is not (ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax)))
        {
            return false;
        }

        foreach (var expression in objectInitializer?.Expressions ?? default)
        {
            if (expression is AssignmentExpressionSyntax { Left: IdentifierNameSyntax property } assignment)
            {
                if (property.Identifier.ValueText == NameProperty)
                {
                    name = new NameSource(null, assignment.Right);
                }
                else if (property.Identifier.ValueText == UnlinkOnExitProperty && assignment.Right.IsKind(SyntaxKind.TrueLiteralExpression))
                {
                    unlinkOnExit = true;
                }
            }
        }

        return true;
    }

    /// <summary>A constant, or a name computed here (<c>$"jobs-{Environment.ProcessId}"</c>) from nothing a caller gave.</summary>
    private static bool IsChosenHere(NameSource name)
    {
        if (name.Operation is { } operation)
        {
            return operation.ConstantValue.HasValue ||
                (operation is IInterpolatedStringOperation or IBinaryOperation or IInvocationOperation &&
                 !operation.DescendantsAndSelf().Any(o => o is IParameterReferenceOperation or IPropertyReferenceOperation { Instance: not null } or IFieldReferenceOperation { Field.IsConst: false }));
        }

        return name.Syntax is LiteralExpressionSyntax or InterpolatedStringExpressionSyntax or BinaryExpressionSyntax or InvocationExpressionSyntax;
    }

    /// <summary>
    /// Whether the member removes the same name another way: <c>TryUnlink</c> given the same options, the same Name
    /// (constant, or the same expression), or (both without options) the same type's default name; or hands the options
    /// or the name to a method other than a factory, which may unlink it.
    /// </summary>
    private static bool IsHandledElsewhere(IInvocationOperation factory, IOperation? options, IOperation root, ShmGenSymbols symbols)
    {
        var key = NameKey.Of(options, root);
        foreach (var operation in root.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IInvocationOperation { TargetMethod: { Name: GeneratedNames.TryUnlink, IsStatic: true } method } unlink when symbols.IsGeneratedHandle(method.ContainingType):
                    var other = NameKey.Of(OptionsArgument(unlink), root);
                    if (key.Matches(other, factory.TargetMethod.ContainingType, method.ContainingType))
                    {
                        return true;
                    }

                    break;
                case IArgumentOperation argument when key.Carriers.Count > 0 && !(argument.Parent is IInvocationOperation call && (symbols.IsFactory(call.TargetMethod) || call.TargetMethod.Name == GeneratedNames.TryUnlink)):
                    if (OperationTrees.ReferencedSymbol(argument.Value) is { } passed && key.Carriers.Contains(passed, SymbolEqualityComparer.Default))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    private static IOperation Skip(IOperation operation) =>
        operation is IConversionOperation { IsImplicit: true } conversion ? Skip(conversion.Operand) : operation;

    private sealed record NameSource(IOperation? Operation, ExpressionSyntax? Syntax);

    /// <summary>What identifies the name a factory or TryUnlink call uses, as far as this member can tell.</summary>
    private sealed class NameKey
    {
        private NameKey(bool isDefault, object? constant, SyntaxNode? expression, List<ISymbol> carriers)
        {
            IsDefault = isDefault;
            Constant = constant;
            Expression = expression;
            Carriers = carriers;
        }

        public bool IsDefault { get; }

        public object? Constant { get; }

        public SyntaxNode? Expression { get; }

        /// <summary>The options and name symbols: the same options object means the same name.</summary>
        public List<ISymbol> Carriers { get; }

        public static NameKey Of(IOperation? options, IOperation root)
        {
            var carriers = new List<ISymbol>();
            if (options is null)
            {
                return new NameKey(true, null, null, carriers);
            }

            if (OperationTrees.ReferencedSymbol(options) is { } symbol)
            {
                carriers.Add(symbol);
            }

            var resolved = options;
            if (options is ILocalReferenceOperation local &&
                root.DescendantsAndSelf().OfType<IVariableDeclaratorOperation>().FirstOrDefault(d => SymbolEqualityComparer.Default.Equals(d.Symbol, local.Local))?.Initializer?.Value is { } initializer)
            {
                resolved = Skip(initializer);
            }

            if (resolved is IObjectCreationOperation { Initializer: { } objectInitializer })
            {
                var name = objectInitializer.Initializers.OfType<ISimpleAssignmentOperation>()
                    .FirstOrDefault(a => a.Target is IPropertyReferenceOperation { Property.Name: NameProperty })?.Value;
                if (name is null)
                {
                    return new NameKey(true, null, null, carriers);
                }

                name = Skip(name);
                if (OperationTrees.ReferencedSymbol(name) is { } nameSymbol)
                {
                    carriers.Add(nameSymbol);
                }

                return new NameKey(false, name.ConstantValue.HasValue ? name.ConstantValue.Value : null, name.Syntax, carriers);
            }

            return new NameKey(false, null, null, carriers);
        }

        public bool Matches(NameKey other, ITypeSymbol created, ITypeSymbol unlinked)
        {
            if (IsDefault && other.IsDefault)
            {
                return SymbolEqualityComparer.Default.Equals(created, unlinked);
            }

            if (Constant is not null && Equals(Constant, other.Constant))
            {
                return true;
            }

            if (Carriers.Any(c => other.Carriers.Contains(c, SymbolEqualityComparer.Default)))
            {
                return true;
            }

            return Constant is null && Expression is not null && other.Expression is not null && Expression.IsEquivalentTo(other.Expression, topLevel: false);
        }
    }
}
