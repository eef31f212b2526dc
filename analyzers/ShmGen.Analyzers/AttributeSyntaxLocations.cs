using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ShmGen.Analyzers;

/// <summary>Where an attribute's arguments are written, so diagnostics underline the argument at fault.</summary>
internal static class AttributeSyntaxLocations
{
    /// <summary>The expression of the first positional argument (the segment name), else the attribute.</summary>
    public static Location? PositionalArgument(AttributeData attribute, int index = 0)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax)
        {
            return null;
        }

        var position = 0;
        foreach (var argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals is not null || argument.NameColon is not null)
            {
                continue;
            }

            if (position++ == index)
            {
                return argument.Expression.GetLocation();
            }
        }

        // A named constructor argument (name: "x") or none at all.
        foreach (var argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameColon is not null)
            {
                return argument.Expression.GetLocation();
            }
        }

        return syntax.GetLocation();
    }

    /// <summary>The expression assigned to the named property <paramref name="name"/> (<c>Capacity = 1000</c>), else the attribute.</summary>
    public static Location? NamedArgument(AttributeData attribute, string name)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax)
        {
            return null;
        }

        foreach (var argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == name)
            {
                return argument.Expression.GetLocation();
            }
        }

        return syntax.GetLocation();
    }
}
