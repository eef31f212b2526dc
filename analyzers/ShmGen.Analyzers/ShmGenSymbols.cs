using System.Linq;
using Microsoft.CodeAnalysis;
using ShmGen.Layout;

namespace ShmGen.Analyzers;

/// <summary>Which attribute made a struct a shared type.</summary>
internal enum SharedKind
{
    Segment,
    Queue,
    Topic,
}

/// <summary>The ShmGen and BCL symbols the analyzers look for, resolved once per compilation.</summary>
internal sealed class ShmGenSymbols
{
    private ShmGenSymbols(Compilation compilation, INamedTypeSymbol? sharedSegment, INamedTypeSymbol? sharedQueue, INamedTypeSymbol? sharedTopic)
    {
        SharedTopicAttribute = sharedTopic;
        SharedSegmentAttribute = sharedSegment;
        SharedQueueAttribute = sharedQueue;
        SegmentOptions = compilation.GetTypeByMetadataName("ShmGen.SegmentOptions");
        UnixFileMode = compilation.GetTypeByMetadataName("System.IO.UnixFileMode");
        Interlocked = compilation.GetTypeByMetadataName("System.Threading.Interlocked");
        Volatile = compilation.GetTypeByMetadataName("System.Threading.Volatile");
        Futex = compilation.GetTypeByMetadataName("ShmGen.Futex");
        GeneratedCodeAttribute = compilation.GetTypeByMetadataName("System.CodeDom.Compiler.GeneratedCodeAttribute");
    }

    public INamedTypeSymbol? SharedSegmentAttribute { get; }

    public INamedTypeSymbol? SharedQueueAttribute { get; }

    public INamedTypeSymbol? SharedTopicAttribute { get; }

    public INamedTypeSymbol? SegmentOptions { get; }

    public INamedTypeSymbol? UnixFileMode { get; }

    public INamedTypeSymbol? Interlocked { get; }

    public INamedTypeSymbol? Volatile { get; }

    /// <summary>ShmGen's own futex wait/wake on a <c>ref int</c> in shared memory: atomic, like Interlocked.</summary>
    public INamedTypeSymbol? Futex { get; }

    public INamedTypeSymbol? GeneratedCodeAttribute { get; }

    /// <summary>The symbols, or <see langword="null"/> when the compilation does not reference ShmGen (nothing to analyze).</summary>
    public static ShmGenSymbols? TryCreate(Compilation compilation)
    {
        var segment = compilation.GetTypeByMetadataName("ShmGen.SharedSegmentAttribute");
        var queue = compilation.GetTypeByMetadataName("ShmGen.SharedQueueAttribute");
        var topic = compilation.GetTypeByMetadataName("ShmGen.SharedTopicAttribute");
        return segment is null && queue is null && topic is null ? null : new ShmGenSymbols(compilation, segment, queue, topic);
    }

    /// <summary>The <c>[SharedSegment]</c>, <c>[SharedQueue]</c> or <c>[SharedTopic]</c> attribute on <paramref name="type"/>, if any.</summary>
    public bool TryGetSharedAttribute(INamedTypeSymbol type, out AttributeData attribute, out SharedKind kind)
    {
        foreach (var candidate in type.GetAttributes())
        {
            if (candidate.AttributeClass is null)
            {
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(candidate.AttributeClass, SharedSegmentAttribute))
            {
                attribute = candidate;
                kind = SharedKind.Segment;
                return true;
            }

            if (SymbolEqualityComparer.Default.Equals(candidate.AttributeClass, SharedQueueAttribute))
            {
                attribute = candidate;
                kind = SharedKind.Queue;
                return true;
            }

            if (SymbolEqualityComparer.Default.Equals(candidate.AttributeClass, SharedTopicAttribute))
            {
                attribute = candidate;
                kind = SharedKind.Topic;
                return true;
            }
        }

        attribute = null!;
        kind = default;
        return false;
    }

    /// <summary>
    /// Whether <paramref name="type"/> is a segment or queue class ShmGen generated: a class carrying
    /// <c>[GeneratedCode("ShmGen", ...)]</c> that implements IDisposable. Recognized by that mark, not by its name, so
    /// user types that happen to be called <c>XSegment</c> are never analyzed as handles.
    /// </summary>
    public bool IsGeneratedHandle(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class } named || GeneratedCodeAttribute is null)
        {
            return false;
        }

        return HasShmGenMark(named) && named.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_IDisposable);
    }

    /// <summary>Whether <paramref name="type"/> is the Guard nested in a generated segment class.</summary>
    public bool IsGuard(ITypeSymbol? type) =>
        type is INamedTypeSymbol { IsRefLikeType: true, Name: GeneratedNames.Guard, ContainingType: { } segment } && IsGeneratedHandle(segment);

    /// <summary><c>Create</c>, <c>Open</c> or <c>OpenOrCreate</c> of a generated segment or queue class.</summary>
    public bool IsFactory(IMethodSymbol method) =>
        method is { IsStatic: true, Name: GeneratedNames.Create or GeneratedNames.Open or GeneratedNames.OpenOrCreate } &&
        SymbolEqualityComparer.Default.Equals(method.ReturnType, method.ContainingType) &&
        IsGeneratedHandle(method.ContainingType);

    /// <summary><c>Lock()</c>, <c>Lock(TimeSpan)</c> or <c>TryLock(TimeSpan, out Guard)</c> of a generated segment class.</summary>
    public bool IsLock(IMethodSymbol method) =>
        method is { IsStatic: false, Name: GeneratedNames.Lock or GeneratedNames.TryLock } && IsGeneratedHandle(method.ContainingType);

    /// <summary>The unsynchronized <c>ref Data</c> property of a generated segment class (not the Guard's).</summary>
    public bool IsUnsynchronizedData(IPropertySymbol property) =>
        property is { IsStatic: false, Name: GeneratedNames.Data, ReturnsByRef: true } && IsGeneratedHandle(property.ContainingType);

    /// <summary>Interlocked, Volatile and ShmGen.Futex take <c>ref</c> to shared memory atomically: not a write outside a lock.</summary>
    public bool IsAtomicApi(INamedTypeSymbol? type) =>
        type is not null &&
        (SymbolEqualityComparer.Default.Equals(type, Interlocked) ||
         SymbolEqualityComparer.Default.Equals(type, Volatile) ||
         SymbolEqualityComparer.Default.Equals(type, Futex));

    private bool HasShmGenMark(INamedTypeSymbol type) =>
        type.GetAttributes().Any(a =>
            SymbolEqualityComparer.Default.Equals(a.AttributeClass, GeneratedCodeAttribute) &&
            a.ConstructorArguments.Length > 0 &&
            a.ConstructorArguments[0].Value is GeneratedNames.Tool);

    /// <summary>The attribute's syntax location, or the type's when the attribute has none in source.</summary>
    public static Location AttributeLocation(AttributeData attribute, ISymbol fallback) =>
        attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? FirstLocation(fallback);

    /// <summary>The first source location of a symbol, or <see cref="Location.None"/>.</summary>
    public static Location FirstLocation(ISymbol symbol)
    {
        foreach (var location in symbol.Locations)
        {
            if (location.IsInSource)
            {
                return location;
            }
        }

        return Location.None;
    }

    /// <summary>A named argument of an attribute, if given.</summary>
    public static bool TryGetNamedArgument(AttributeData attribute, string name, out TypedConstant value)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                value = argument.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
