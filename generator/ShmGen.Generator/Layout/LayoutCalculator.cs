using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace ShmGen.Layout;

/// <summary>
/// Lays out an annotated struct the way the CLR does on 64-bit Linux (sequential or explicit, Pack, Size, nested
/// structs, enums, fixed buffers, inline arrays), flattens it to leaves and collects every problem that makes it unsafe
/// in shared memory. The generator and the analyzers both compile this file, so their offsets and fingerprints are
/// the same by construction.
/// </summary>
internal static class LayoutCalculator
{
    private const string InteropServices = "InteropServices";
    private const string CompilerServices = "CompilerServices";
    private const int LayoutKindSequential = 0;
    private const int LayoutKindExplicit = 2;
    private const int LayoutKindAuto = 3;

    public static TypeLayout Compute(INamedTypeSymbol type)
    {
        var context = new Context(type);
        if (type.TypeKind != TypeKind.Struct)
        {
            context.Report(LayoutProblemKind.NotUnmanagedStruct, type, null, type.Name, $"'{type.Name}' is a {Describe(type)}, not a struct");
            return new TypeLayout(0, 1, ImmutableArray<LayoutLeaf>.Empty, context.Problems.ToImmutable());
        }

        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsGenericType)
            {
                context.Report(LayoutProblemKind.NotUnmanagedStruct, type, null, type.Name, $"'{t.Name}' is generic, so its layout is not fixed");
                break;
            }
        }

        var shape = LayOut(type, context, topLevel: null, pathPrefix: string.Empty, baseOffset: 0, isRoot: true, depth: 0);
        return new TypeLayout(shape.Size, shape.Alignment, context.Leaves.ToImmutable(), context.Problems.ToImmutable());
    }

    /// <summary>The instance fields in layout order, auto-property backing fields included.</summary>
    public static IEnumerable<IFieldSymbol> InstanceFields(INamedTypeSymbol type) =>
        type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst);

    private readonly struct Shape
    {
        public Shape(int size, int alignment)
        {
            Size = size;
            Alignment = alignment;
        }

        public int Size { get; }

        public int Alignment { get; }
    }

    private sealed class Context
    {
        public Context(INamedTypeSymbol root) => Root = root;

        public INamedTypeSymbol Root { get; }

        public ImmutableArray<LayoutLeaf>.Builder Leaves { get; } = ImmutableArray.CreateBuilder<LayoutLeaf>();

        public ImmutableArray<LayoutProblem>.Builder Problems { get; } = ImmutableArray.CreateBuilder<LayoutProblem>();

        public void Report(LayoutProblemKind kind, ISymbol symbol, AttributeData? attribute, string subject, string detail) =>
            Problems.Add(new LayoutProblem(kind, symbol, attribute, subject, detail));
    }

    private static Shape LayOut(INamedTypeSymbol type, Context context, ISymbol? topLevel, string pathPrefix, int baseOffset, bool isRoot, int depth)
    {
        var reportOn = topLevel ?? type;
        var (kind, pack, minimumSize, layoutAttribute) = ReadStructLayout(type);
        if (kind == LayoutKindAuto)
        {
            context.Report(
                LayoutProblemKind.AutoLayout,
                reportOn,
                isRoot ? layoutAttribute : null,
                isRoot ? type.Name : pathPrefix.TrimEnd('.'),
                $"'{type.Name}' has StructLayout(LayoutKind.Auto)");
        }

        if (depth > 32)
        {
            context.Report(LayoutProblemKind.NotUnmanagedStruct, reportOn, null, type.Name, "the struct nests too deeply");
            return new Shape(1, 1);
        }

        var inlineArrayLength = InlineArrayLength(type);
        var fields = InstanceFields(type).ToList();
        if (inlineArrayLength > 0 && fields.Count == 1)
        {
            return LayOutInlineArray(fields[0], inlineArrayLength, context, topLevel, pathPrefix, baseOffset, depth);
        }

        var offset = 0;
        var end = 0;
        var alignment = 1;
        foreach (var field in fields)
        {
            var fieldTop = isRoot ? (ISymbol)(field.AssociatedSymbol ?? field) : reportOn;
            var fieldName = field.AssociatedSymbol?.Name ?? field.Name;
            var path = pathPrefix + fieldName;
            var fieldShape = Measure(field, context, fieldTop, path, depth);
            var effectiveAlignment = pack > 0 ? Math.Min(fieldShape.Alignment, pack) : fieldShape.Alignment;
            int fieldOffset;
            if (kind == LayoutKindExplicit)
            {
                var explicitOffset = ReadFieldOffset(field);
                fieldOffset = explicitOffset ?? 0;
            }
            else
            {
                fieldOffset = AlignUp(offset, effectiveAlignment);
            }

            if (fieldShape.Alignment > 1 && (baseOffset + fieldOffset) % fieldShape.Alignment != 0)
            {
                context.Report(
                    LayoutProblemKind.Misaligned,
                    fieldTop,
                    null,
                    path,
                    $"'{path}' is at offset {baseOffset + fieldOffset}, not a multiple of its alignment {fieldShape.Alignment}");
            }

            Emit(field, context, fieldTop, path, baseOffset + fieldOffset, fieldShape, depth);
            offset = fieldOffset + fieldShape.Size;
            end = Math.Max(end, offset);
            alignment = Math.Max(alignment, effectiveAlignment);
        }

        var size = fields.Count == 0 ? 1 : AlignUp(end, alignment);
        size = Math.Max(size, minimumSize);
        return new Shape(size, alignment);
    }

    private static Shape LayOutInlineArray(IFieldSymbol element, int length, Context context, ISymbol? topLevel, string pathPrefix, int baseOffset, int depth)
    {
        var reportOn = topLevel ?? element;
        var path = pathPrefix.TrimEnd('.');
        var elementShape = Measure(element, context, reportOn, path + "[]", depth);
        var stride = AlignUp(elementShape.Size, elementShape.Alignment);
        Emit(element, context, reportOn, path + "[]", baseOffset, elementShape, depth);
        // Describe the element once, then the repetition: "Items[]...@offset" leaves plus a count marker.
        context.Leaves.Add(new LayoutLeaf(path + "[]", "x" + length.ToString(System.Globalization.CultureInfo.InvariantCulture), baseOffset, stride * length, elementShape.Alignment, null, length));
        return new Shape(stride * length, elementShape.Alignment);
    }

    /// <summary>Size and alignment of one field's storage, reporting type problems.</summary>
    private static Shape Measure(IFieldSymbol field, Context context, ISymbol reportOn, string path, int depth)
    {
        if (field.IsFixedSizeBuffer && field.Type is IPointerTypeSymbol buffer)
        {
            var element = Primitive(buffer.PointedAtType);
            var elementShape = element is { } e ? new Shape(e.Size, e.Size) : new Shape(1, 1);
            CheckPortability(buffer.PointedAtType, context, reportOn, path);
            return new Shape(elementShape.Size * field.FixedSize, elementShape.Alignment);
        }

        return MeasureType(field.Type, context, reportOn, path, depth);
    }

    private static Shape MeasureType(ITypeSymbol type, Context context, ISymbol reportOn, string path, int depth)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                context.Report(LayoutProblemKind.ProcessLocalAddress, reportOn, null, path, $"'{path}' is a {(type.TypeKind == TypeKind.Pointer ? "pointer" : "function pointer")}: an address in one process means nothing in another");
                return new Shape(8, 8);
            case TypeKind.Enum when type is INamedTypeSymbol { EnumUnderlyingType: { } underlying }:
                return MeasureType(underlying, context, reportOn, path, depth);
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            context.Report(LayoutProblemKind.ProcessLocalAddress, reportOn, null, path, $"'{path}' is {(type.SpecialType == SpecialType.System_IntPtr ? "nint" : "nuint")}: pointer-sized values are usually addresses, meaningless in another process");
            return new Shape(8, 8);
        }

        CheckPortability(type, context, reportOn, path);
        if (Primitive(type) is { } primitive)
        {
            return new Shape(primitive.Size, primitive.Alignment);
        }

        if (type.IsReferenceType || type.TypeKind is TypeKind.TypeParameter or TypeKind.Error || type is not INamedTypeSymbol named || type.TypeKind != TypeKind.Struct)
        {
            context.Report(LayoutProblemKind.NotUnmanagedStruct, reportOn, null, path, $"'{path}' has type '{type.ToDisplayString()}', which is not an unmanaged value type");
            return new Shape(8, 8);
        }

        if (named.IsGenericType)
        {
            context.Report(LayoutProblemKind.NotUnmanagedStruct, reportOn, null, path, $"'{path}' has the generic type '{type.ToDisplayString()}', whose layout is not fixed");
            return new Shape(8, 8);
        }

        if (!named.Locations.Any(l => l.IsInSource) && InstanceFields(named).Any(f => f.Name.StartsWith("_dummy", StringComparison.Ordinal)))
        {
            context.Report(LayoutProblemKind.NotUnmanagedStruct, reportOn, null, path, $"'{path}' has type '{type.ToDisplayString()}', whose layout is hidden in a reference assembly");
            return new Shape(8, 8);
        }

        // Measured without emitting leaves; Emit walks it again at the right offset.
        var probe = new Context(context.Root);
        var shape = LayOut(named, probe, reportOn, path + ".", 0, isRoot: false, depth + 1);
        return shape;
    }

    private static void Emit(IFieldSymbol field, Context context, ISymbol reportOn, string path, int offset, Shape shape, int depth)
    {
        if (field.IsFixedSizeBuffer && field.Type is IPointerTypeSymbol buffer)
        {
            var element = Primitive(buffer.PointedAtType);
            var name = element?.ClrName ?? buffer.PointedAtType.Name;
            context.Leaves.Add(new LayoutLeaf(path, name + "[" + field.FixedSize.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]", offset, shape.Size, element?.Alignment ?? 1, element?.CType, field.FixedSize));
            return;
        }

        EmitType(field.Type, context, reportOn, path, offset, shape, depth);
    }

    private static void EmitType(ITypeSymbol type, Context context, ISymbol reportOn, string path, int offset, Shape shape, int depth)
    {
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            EmitType(underlying, context, reportOn, path, offset, shape, depth);
            return;
        }

        if (type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            context.Leaves.Add(new LayoutLeaf(path, "Pointer", offset, 8, 8, null, 0));
            return;
        }

        if (Primitive(type) is { } primitive)
        {
            context.Leaves.Add(new LayoutLeaf(path, primitive.ClrName, offset, primitive.Size, primitive.Alignment, primitive.CType, 0));
            return;
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Struct, IsGenericType: false } named && !type.IsReferenceType)
        {
            // Nested struct: its problems are reported on the top-level field, its leaves flattened under "path.".
            LayOut(named, context, reportOn, path + ".", offset, isRoot: false, depth + 1);
            return;
        }

        context.Leaves.Add(new LayoutLeaf(path, type.Name, offset, shape.Size, shape.Alignment, null, 0));
    }

    private static void CheckPortability(ITypeSymbol type, Context context, ISymbol reportOn, string path)
    {
        if (Primitive(type) is { Portable: false } primitive)
        {
            context.Report(LayoutProblemKind.NonPortableType, reportOn, null, path, $"'{path}' is {primitive.ClrName}, which has no fixed layout in C or other languages");
        }
    }

    private readonly struct PrimitiveInfo
    {
        public PrimitiveInfo(string clrName, int size, int alignment, string? cType, bool portable = true)
        {
            ClrName = clrName;
            Size = size;
            Alignment = alignment;
            CType = cType;
            Portable = portable;
        }

        public string ClrName { get; }

        public int Size { get; }

        public int Alignment { get; }

        public string? CType { get; }

        public bool Portable { get; }
    }

    private static PrimitiveInfo? Primitive(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return new PrimitiveInfo("Boolean", 1, 1, "uint8_t", portable: false);
            case SpecialType.System_Char: return new PrimitiveInfo("Char", 2, 2, "uint16_t", portable: false);
            case SpecialType.System_SByte: return new PrimitiveInfo("SByte", 1, 1, "int8_t");
            case SpecialType.System_Byte: return new PrimitiveInfo("Byte", 1, 1, "uint8_t");
            case SpecialType.System_Int16: return new PrimitiveInfo("Int16", 2, 2, "int16_t");
            case SpecialType.System_UInt16: return new PrimitiveInfo("UInt16", 2, 2, "uint16_t");
            case SpecialType.System_Int32: return new PrimitiveInfo("Int32", 4, 4, "int32_t");
            case SpecialType.System_UInt32: return new PrimitiveInfo("UInt32", 4, 4, "uint32_t");
            case SpecialType.System_Int64: return new PrimitiveInfo("Int64", 8, 8, "int64_t");
            case SpecialType.System_UInt64: return new PrimitiveInfo("UInt64", 8, 8, "uint64_t");
            case SpecialType.System_Single: return new PrimitiveInfo("Single", 4, 4, "float");
            case SpecialType.System_Double: return new PrimitiveInfo("Double", 8, 8, "double");
            case SpecialType.System_IntPtr: return new PrimitiveInfo("IntPtr", 8, 8, "intptr_t");
            case SpecialType.System_UIntPtr: return new PrimitiveInfo("UIntPtr", 8, 8, "uintptr_t");
            case SpecialType.System_Decimal: return new PrimitiveInfo("Decimal", 16, 8, null, portable: false);
            case SpecialType.System_DateTime: return new PrimitiveInfo("DateTime", 8, 8, null, portable: false);
        }

        if (type is not INamedTypeSymbol { ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } named)
        {
            return null;
        }

        return named.MetadataName switch
        {
            "Half" => new PrimitiveInfo("Half", 2, 2, "_Float16"),
            "Int128" => new PrimitiveInfo("Int128", 16, 16, "__int128"),
            "UInt128" => new PrimitiveInfo("UInt128", 16, 16, "unsigned __int128"),
            "Guid" => new PrimitiveInfo("Guid", 16, 4, null, portable: false),
            "DateTimeOffset" => new PrimitiveInfo("DateTimeOffset", 16, 8, null, portable: false),
            _ => null,
        };
    }

    private static (int Kind, int Pack, int Size, AttributeData? Attribute) ReadStructLayout(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (!IsRuntimeType(attribute.AttributeClass, InteropServices, "StructLayoutAttribute"))
            {
                continue;
            }

            var kind = attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is { } value
                ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
                : LayoutKindSequential;
            var pack = 0;
            var size = 0;
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Pack" && named.Value.Value is int p)
                {
                    pack = p;
                }
                else if (named.Key == "Size" && named.Value.Value is int s)
                {
                    size = s;
                }
            }

            return (kind, pack, size, attribute);
        }

        return (LayoutKindSequential, 0, 0, null);
    }

    private static int? ReadFieldOffset(IFieldSymbol field)
    {
        foreach (var attribute in field.GetAttributes())
        {
            if (IsRuntimeType(attribute.AttributeClass, InteropServices, "FieldOffsetAttribute") &&
                attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int offset)
            {
                return offset;
            }
        }

        return null;
    }

    private static int InlineArrayLength(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (IsRuntimeType(attribute.AttributeClass, CompilerServices, "InlineArrayAttribute") &&
                attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int length)
            {
                return length;
            }
        }

        return 0;
    }

    /// <summary>Whether <paramref name="type"/> is System.Runtime.{<paramref name="ns"/>}.{<paramref name="name"/>}, compared
    /// name by name: cheaper than formatting the symbol, which matters since this runs for every annotated struct on
    /// every compilation change.</summary>
    private static bool IsRuntimeType(INamedTypeSymbol? type, string ns, string name) =>
        type is { Name: var typeName, ContainingNamespace: { Name: var inner, ContainingNamespace: { Name: "Runtime", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } } } &&
        typeName == name && inner == ns;

    private static string Describe(INamedTypeSymbol type) => type.TypeKind switch
    {
        TypeKind.Class => type.IsRecord ? "record class" : "class",
        TypeKind.Interface => "interface",
        TypeKind.Enum => "enum",
        TypeKind.Delegate => "delegate",
        _ => type.TypeKind.ToString().ToLowerInvariant(),
    };

    private static int AlignUp(int value, int alignment) => alignment <= 1 ? value : (value + alignment - 1) / alignment * alignment;
}
