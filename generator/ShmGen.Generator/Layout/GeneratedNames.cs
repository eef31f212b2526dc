using System;
using Microsoft.CodeAnalysis;

namespace ShmGen.Layout;

/// <summary>
/// Names and rules of the members the generator declares, shared by the generator (what it emits, what it skips) and the
/// analyzers (SHM010, and recognizing the generated API), so the two can never disagree. The generated types' suffixes
/// are in the shared contract (<c>ShmContract</c>), since the runtime names them too.
/// </summary>
internal static class GeneratedNames
{
    /// <summary>The tool name in the <c>GeneratedCode</c> attribute on every generated top-level type.</summary>
    public const string Tool = "ShmGen";

    /// <summary>The ref struct nested in a segment class that holds the lock.</summary>
    public const string Guard = "Guard";

    /// <summary>The unsynchronized <c>ref</c> view on the segment class, and the whole-struct accessor on the Guard.</summary>
    public const string Data = "Data";

    public const string WasAbandoned = "WasAbandoned";

    public const string Dispose = "Dispose";

    public const string Lock = "Lock";

    public const string TryLock = "TryLock";

    public const string Create = "Create";

    public const string Open = "Open";

    public const string OpenOrCreate = "OpenOrCreate";

    public const string Unlink = "Unlink";

    public const string TryUnlink = "TryUnlink";

    /// <summary>Members the generator declares on the Guard besides the field accessors; a field with one of these names would clash (SHM010).</summary>
    public static readonly string[] GuardMemberNames = [Data, WasAbandoned, Dispose];

    /// <summary>
    /// Whether the Guard gets a <c>ref</c> accessor named after <paramref name="field"/>: fields declared as fields
    /// (not auto-property backing fields) that the generated type can see.
    /// </summary>
    public static bool HasGuardAccessor(IFieldSymbol field) =>
        !field.IsStatic &&
        !field.IsConst &&
        !field.IsImplicitlyDeclared &&
        field.AssociatedSymbol is null &&
        field.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

    /// <summary>Whether the accessor generated for <paramref name="field"/> would collide with a Guard member (SHM010).</summary>
    public static bool ClashesWithGuardMember(IFieldSymbol field) =>
        HasGuardAccessor(field) && Array.IndexOf(GuardMemberNames, field.Name) >= 0;
}
