using System;
using System.IO;

namespace ShmGen;

/// <summary>
/// Marks an unmanaged <see langword="partial"/> struct as the payload of a named POSIX shared-memory segment. The ShmGen
/// generator emits <c>{Struct}Segment</c> beside it, with <c>Create</c>, <c>Open</c>, <c>OpenOrCreate</c>, typed
/// <see langword="ref"/> accessors and lock guards.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class SharedSegmentAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The POSIX name without the leading '/': [A-Za-z0-9._-], at most 250 characters.</param>
    public SharedSegmentAttribute(string name) => Name = name;

    /// <summary>The POSIX name of the segment, without the leading '/'.</summary>
    public string Name { get; }

    /// <summary>
    /// The permission bits the segment is created with (applied with <c>fchmod</c>, so the umask cannot change them)
    /// and the most an opener accepts. Default: <c>UserRead | UserWrite</c> (0600).
    /// </summary>
    public UnixFileMode Mode { get; set; } = (UnixFileMode)Contract.ShmContract.DefaultMode;

    /// <summary>The byte format of the segment. Default: <see cref="SegmentFormat.Standard"/>.</summary>
    public SegmentFormat Format { get; set; } = SegmentFormat.Standard;
}
