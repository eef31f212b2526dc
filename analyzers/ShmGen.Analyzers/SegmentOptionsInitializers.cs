using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ShmGen.Analyzers;

/// <summary>Reads constant property values out of <c>new SegmentOptions { Name = "...", Mode = ... }</c>.</summary>
internal static class SegmentOptionsInitializers
{
    /// <summary>Each <c>Property = value</c> of the object initializer whose value is a compile-time constant.</summary>
    public static IEnumerable<(IOperation Value, object? Constant)> ConstantAssignments(IObjectCreationOperation creation, string property)
    {
        if (creation.Initializer is null)
        {
            yield break;
        }

        foreach (var initializer in creation.Initializer.Initializers)
        {
            if (initializer is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } assignment &&
                target.Property.Name == property &&
                Constant(assignment.Value) is { HasValue: true } constant)
            {
                yield return (assignment.Value, constant.Value);
            }
        }
    }

    /// <summary>The constant under implicit conversions, such as <c>UnixFileMode</c> to <c>UnixFileMode?</c>.</summary>
    private static Optional<object?> Constant(IOperation value)
    {
        var current = value;
        while (true)
        {
            if (current.ConstantValue.HasValue)
            {
                return current.ConstantValue;
            }

            if (current is IConversionOperation conversion)
            {
                current = conversion.Operand;
                continue;
            }

            return default;
        }
    }
}
