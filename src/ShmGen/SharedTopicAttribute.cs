using System;
using System.IO;

namespace ShmGen;

/// <summary>
/// Marks an unmanaged <see langword="partial"/> struct as the item type of a publish/subscribe topic in named shared
/// memory. The generator emits <c>{Struct}Topic</c>: publishers never block (the ring keeps the last
/// <see cref="Capacity"/> items and overwrites the oldest), and every subscriber sees every item published after it
/// subscribed, as long as it keeps up.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class SharedTopicAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The POSIX name without the leading '/': [A-Za-z0-9._-], at most 250 characters.</param>
    public SharedTopicAttribute(string name) => Name = name;

    /// <summary>The POSIX name of the topic's segment, without the leading '/'.</summary>
    public string Name { get; }

    /// <summary>How many of the latest items the ring keeps: a power of two in [2, 2^24]. Default: 1024.</summary>
    public int Capacity { get; set; } = 1024;

    /// <summary>The permission bits of the topic's segment. Default: <c>UserRead | UserWrite</c> (0600).</summary>
    public UnixFileMode Mode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}
