using System;
using System.IO;

namespace ShmGen;

/// <summary>
/// Marks an unmanaged <see langword="partial"/> struct as the item type of a bounded multi-producer/multi-consumer queue
/// in named shared memory. The generator emits <c>{Struct}Queue</c>: consumers wait while it is empty, producers stall
/// while it is full.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class SharedQueueAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The POSIX name without the leading '/': [A-Za-z0-9._-], at most 250 characters.</param>
    public SharedQueueAttribute(string name) => Name = name;

    /// <summary>The POSIX name of the queue's segment, without the leading '/'.</summary>
    public string Name { get; }

    /// <summary>How many items the queue holds: a power of two in [2, 2^24]. Default: 1024.</summary>
    public int Capacity { get; set; } = Contract.ShmContract.DefaultQueueCapacity;

    /// <summary>The permission bits of the queue's segment. Default: <c>UserRead | UserWrite</c> (0600).</summary>
    public UnixFileMode Mode { get; set; } = (UnixFileMode)Contract.ShmContract.DefaultMode;
}
