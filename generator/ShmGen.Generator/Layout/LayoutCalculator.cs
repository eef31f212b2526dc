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
/// <remarks>
/// Two passes: <see cref="ShapeOf"/> computes each struct type's field offsets, size and alignment once per
/// computation (memoized, so a struct nested 20 levels deep costs 20 layouts, not 2^20), then <see cref="Walk"/>
/// flattens the root from those shapes, reporting problems on the top-level field that contains them.
/// </remarks>
internal static class LayoutCalculator
{
    private const string InteropServices = "InteropServices";
    private const string CompilerServices = "CompilerServices";
    private const int LayoutKindSequential = 0;
    private const int LayoutKindExplicit = 2;
    private const int LayoutKindAuto = 3;
    private const int MaxDepth = 32;

    public static TypeLayout Compute(INamedTypeSymbol type)
    {
        var context = new Context();
        if (type.TypeKind != TypeKind.Struct)
        {
            context.Report(LayoutProblemKind.NotUnmanagedStruct, type, null, type.Name, $"'{type.Name}' is a {Describe(type)}, not a struct");
            return new TypeLayout(0, 1, ImmutableArray<LayoutLeaf>.Empty, context.Problems.ToImmutable(), context.LaidOutTypes);
        }

        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsGenericType)
            {
                context.Report(LayoutProblemKind.NotUnmanagedStruct, type, null, type.Name, $"'{t.Name}' is generic, so its layout is not fixed");
                break;
            }
        }

        var shape = Walk(type, context, reportOn: null, pathPrefix: string.Empty, baseOffset: 0, isRoot: true, depth: 0);
        return new TypeLayout(shape.Size, shape.Alignment, context.Leaves.ToImmutable(), context.Problems.ToImmutable(), context.LaidOutTypes);
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

    /// <summary>Where one field of a struct sits, relative to the struct.</summary>
    private readonly struct FieldSlot
    {
        public FieldSlot(IFieldSymbol field, int offset, Shape shape)
        {
            Field = field;
            Offset = offset;
            Shape = shape;
        }

        public IFieldSymbol Field { get; }

        public int Offset { get; }

        public Shape Shape { get; }
    }

    /// <summary>A struct type's own layout, independent of where it is nested: computed once per type.</summary>
    private sealed class StructShape
    {
        public StructShape(Shape shape, ImmutableArray<FieldSlot> fields, int inlineArrayLength, bool isAuto, bool isTooDeep)
        {
            Shape = shape;
            Fields = fields;
            InlineArrayLength = inlineArrayLength;
            IsAuto = isAuto;
            IsTooDeep = isTooDeep;
        }

        public Shape Shape { get; }

        public ImmutableArray<FieldSlot> Fields { get; }

        /// <summary>For an <c>[InlineArray(N)]</c> struct, N (its one field is the element); 0 otherwise.</summary>
        public int InlineArrayLength { get; }

        public bool IsAuto { get; }

        /// <summary>Nested past <see cref="MaxDepth"/>, or containing itself: not laid out.</summary>
        public bool IsTooDeep { get; }
    }

    private sealed class Context
    {
        private readonly Dictionary<INamedTypeSymbol, StructShape> _shapes = new(SymbolEqualityComparer.Default);
        private readonly HashSet<INamedTypeSymbol> _inProgress = new(SymbolEqualityComparer.Default);

        public ImmutableArray<LayoutLeaf>.Builder Leaves { get; } = ImmutableArray.CreateBuilder<LayoutLeaf>();

        public ImmutableArray<LayoutProblem>.Builder Problems { get; } = ImmutableArray.CreateBuilder<LayoutProblem>();

        /// <summary>How many struct types <see cref="ShapeOf"/> laid out: each at most once.</summary>
        public int LaidOutTypes { get; private set; }

        /// <summary>While positive, the walk is in elements after the first of an inline array of structs.</summary>
        private int _repeatedElements;
        private bool _repeatedMisalignmentReported;

        public void Report(LayoutProblemKind kind, ISymbol symbol, AttributeData? attribute, string subject, string detail)
        {
            // The later elements of an inline array repeat the first one's problems, so they are not reported again (a
            // thousand-element array would be a thousand diagnostics on one field). Only misalignment can differ from
            // element to element (under Pack the stride need not keep alignment): the first one found is reported.
            if (_repeatedElements > 0)
            {
                if (kind != LayoutProblemKind.Misaligned || _repeatedMisalignmentReported)
                {
                    return;
                }

                _repeatedMisalignmentReported = true;
            }

            Problems.Add(new LayoutProblem(kind, symbol, attribute, subject, detail));
        }

        public void BeginRepeatedElements()
        {
            if (_repeatedElements++ == 0)
            {
                _repeatedMisalignmentReported = false;
            }
        }

        public void EndRepeatedElements() => _repeatedElements--;

        public bool TryGetShape(INamedTypeSymbol type, out StructShape shape) => _shapes.TryGetValue(type, out shape!);

        /// <summary>Marks <paramref name="type"/> as being laid out; false if it already is (it contains itself).</summary>
        public bool Enter(INamedTypeSymbol type) => _inProgress.Add(type);

        public void Exit(INamedTypeSymbol type, StructShape shape)
        {
            _inProgress.Remove(type);
            _shapes[type] = shape;
            LaidOutTypes++;
        }
    }

    /// <summary>The field offsets, size and alignment of <paramref name="type"/>, laid out once per computation.</summary>
    private static StructShape ShapeOf(INamedTypeSymbol type, Context context, int depth)
    {
        if (context.TryGetShape(type, out var known))
        {
            return known;
        }

        var (kind, pack, minimumSize, _) = ReadStructLayout(type);
        if (depth > MaxDepth || !context.Enter(type))
        {
            return new StructShape(new Shape(1, 1), ImmutableArray<FieldSlot>.Empty, 0, kind == LayoutKindAuto, isTooDeep: true);
        }

        var fields = InstanceFields(type).ToList();
        var inlineArrayLength = InlineArrayLength(type);
        StructShape shape;
        if (inlineArrayLength > 0 && fields.Count == 1)
        {
            var element = Measure(fields[0], context, null, string.Empty, depth);
            var stride = AlignUp(element.Size, element.Alignment);
            shape = new StructShape(
                new Shape(stride * inlineArrayLength, element.Alignment),
                ImmutableArray.Create(new FieldSlot(fields[0], 0, element)),
                inlineArrayLength,
                kind == LayoutKindAuto,
                isTooDeep: false);
        }
        else
        {
            var slots = ImmutableArray.CreateBuilder<FieldSlot>(fields.Count);
            var offset = 0;
            var end = 0;
            var alignment = 1;
            foreach (var field in fields)
            {
                var fieldShape = Measure(field, context, null, string.Empty, depth);
                var effectiveAlignment = pack > 0 ? Math.Min(fieldShape.Alignment, pack) : fieldShape.Alignment;
                var fieldOffset = kind == LayoutKindExplicit ? ReadFieldOffset(field) ?? 0 : AlignUp(offset, effectiveAlignment);
                slots.Add(new FieldSlot(field, fieldOffset, fieldShape));
                offset = fieldOffset + fieldShape.Size;
                end = Math.Max(end, offset);
                alignment = Math.Max(alignment, effectiveAlignment);
            }

            var size = fields.Count == 0 ? 1 : AlignUp(end, alignment);
            shape = new StructShape(new Shape(Math.Max(size, minimumSize), alignment), slots.MoveToImmutable(), 0, kind == LayoutKindAuto, isTooDeep: false);
        }

        context.Exit(type, shape);
        return shape;
    }

    /// <summary>Flattens <paramref name="type"/> at <paramref name="baseOffset"/> into leaves, reporting its problems.</summary>
    private static Shape Walk(INamedTypeSymbol type, Context context, ISymbol? reportOn, string pathPrefix, int baseOffset, bool isRoot, int depth)
    {
        var shape = ShapeOf(type, context, depth);
        var reportTo = reportOn ?? type;
        if (shape.IsAuto)
        {
            context.Report(
                LayoutProblemKind.AutoLayout,
                reportTo,
                isRoot ? ReadStructLayout(type).Attribute : null,
                isRoot ? type.Name : pathPrefix.TrimEnd('.'),
                $"'{type.Name}' has StructLayout(LayoutKind.Auto)");
        }

        if (shape.IsTooDeep || depth > MaxDepth)
        {
            context.Report(LayoutProblemKind.NotUnmanagedStruct, reportTo, null, type.Name, "the struct nests too deeply");
            return shape.Shape;
        }

        if (shape.InlineArrayLength > 0)
        {
            var element = shape.Fields[0];
            var path = isRoot ? element.Field.Name : pathPrefix.TrimEnd('.');
            WalkInlineArray(element.Field, shape.InlineArrayLength, element.Shape, context, isRoot ? element.Field : reportTo, path, baseOffset, depth);
            return shape.Shape;
        }

        foreach (var slot in shape.Fields)
        {
            var field = slot.Field;
            var fieldTop = isRoot ? (ISymbol)(field.AssociatedSymbol ?? field) : reportTo;
            var path = pathPrefix + (field.AssociatedSymbol?.Name ?? field.Name);
            Measure(field, context, fieldTop, path, depth);
            var offset = baseOffset + slot.Offset;
            if (slot.Shape.Alignment > 1 && offset % slot.Shape.Alignment != 0)
            {
                context.Report(
                    LayoutProblemKind.Misaligned,
                    fieldTop,
                    null,
                    path,
                    $"'{path}' is at offset {offset}, not a multiple of its alignment {slot.Shape.Alignment}");
            }

            Emit(field, context, fieldTop, path, offset, slot.Shape, depth);
        }

        return shape.Shape;
    }

    /// <summary>
    /// An inline array of a scalar is one leaf, <c>Samples:Double[16]</c>, like a fixed buffer; an inline array of a
    /// struct is flattened element by element (<c>Items[0].X</c>, <c>Items[1].X</c>...), so every field has a name,
    /// an offset and a C declaration.
    /// </summary>
    private static void WalkInlineArray(IFieldSymbol element, int length, Shape elementShape, Context context, ISymbol reportOn, string path, int baseOffset, int depth)
    {
        var stride = AlignUp(elementShape.Size, elementShape.Alignment);
        var elementType = element.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } ? underlying : element.Type;
        Measure(element, context, reportOn, path, depth);
        if (elementType is INamedTypeSymbol { TypeKind: TypeKind.Struct, IsGenericType: false } nested && !nested.IsReferenceType && Primitive(nested) is null)
        {
            for (var i = 0; i < length; i++)
            {
                if (i == 1)
                {
                    context.BeginRepeatedElements();
                }

                var index = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Walk(nested, context, reportOn, path + "[" + index + "].", baseOffset + (i * stride), isRoot: false, depth + 1);
            }

            if (length > 1)
            {
                context.EndRepeatedElements();
            }

            return;
        }

        var primitive = Primitive(elementType);
        var name = elementType.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer ? "Pointer" : primitive?.ClrName ?? elementType.Name;
        var count = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Leaves.Add(new LayoutLeaf(path, name + "[" + count + "]", baseOffset, stride * length, elementShape.Alignment, primitive?.CType, length));
    }

    /// <summary>Size and alignment of one field's storage; reports its type's problems when <paramref name="reportOn"/> is set.</summary>
    private static Shape Measure(IFieldSymbol field, Context context, ISymbol? reportOn, string path, int depth)
    {
        if (field.IsFixedSizeBuffer && field.Type is IPointerTypeSymbol buffer)
        {
            var element = Primitive(buffer.PointedAtType);
            var elementShape = element is { } e ? new Shape(e.Size, e.Size) : new Shape(1, 1);
            if (reportOn is not null)
            {
                CheckPortability(buffer.PointedAtType, context, reportOn, path);
            }

            return new Shape(elementShape.Size * field.FixedSize, elementShape.Alignment);
        }

        return MeasureType(field.Type, context, reportOn, path, depth);
    }

    private static Shape MeasureType(ITypeSymbol type, Context context, ISymbol? reportOn, string path, int depth)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                Report(LayoutProblemKind.ProcessLocalAddress, $"'{path}' is a {(type.TypeKind == TypeKind.Pointer ? "pointer" : "function pointer")}: an address in one process means nothing in another");
                return new Shape(8, 8);
            case TypeKind.Enum when type is INamedTypeSymbol { EnumUnderlyingType: { } underlying }:
                return MeasureType(underlying, context, reportOn, path, depth);
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            Report(LayoutProblemKind.ProcessLocalAddress, $"'{path}' is {(type.SpecialType == SpecialType.System_IntPtr ? "nint" : "nuint")}: pointer-sized values are usually addresses, meaningless in another process");
            return new Shape(8, 8);
        }

        if (reportOn is not null)
        {
            CheckPortability(type, context, reportOn, path);
        }

        if (Primitive(type) is { } primitive)
        {
            return new Shape(primitive.Size, primitive.Alignment);
        }

        if (type.IsReferenceType || type.TypeKind is TypeKind.TypeParameter or TypeKind.Error || type is not INamedTypeSymbol named || type.TypeKind != TypeKind.Struct)
        {
            Report(LayoutProblemKind.NotUnmanagedStruct, $"'{path}' has type '{type.ToDisplayString()}', which is not an unmanaged value type");
            return new Shape(8, 8);
        }

        if (named.IsGenericType)
        {
            Report(LayoutProblemKind.NotUnmanagedStruct, $"'{path}' has the generic type '{type.ToDisplayString()}', whose layout is not fixed");
            return new Shape(8, 8);
        }

        if (!named.Locations.Any(l => l.IsInSource) && InstanceFields(named).Any(f => f.Name.StartsWith("_dummy", StringComparison.Ordinal)))
        {
            Report(LayoutProblemKind.NotUnmanagedStruct, $"'{path}' has type '{type.ToDisplayString()}', whose layout is hidden in a reference assembly");
            return new Shape(8, 8);
        }

        return ShapeOf(named, context, depth + 1).Shape;

        void Report(LayoutProblemKind kind, string detail)
        {
            if (reportOn is not null)
            {
                context.Report(kind, reportOn, null, path, detail);
            }
        }
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
            Walk(named, context, reportOn, path + ".", offset, isRoot: false, depth + 1);
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
