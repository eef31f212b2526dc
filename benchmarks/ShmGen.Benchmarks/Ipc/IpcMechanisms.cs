using System;
using System.Collections.Generic;
using System.Linq;
using ShmGen.Benchmarks.Ipc.Mechanisms;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>Every row of the ipc table, in the order the table lists them. Adding a mechanism is adding it here.</summary>
internal static class IpcMechanisms
{
    public static IReadOnlyList<IIpcMechanism> All { get; } =
    [
        new CSpinMechanism(),
        new ShmGenWaitNotifyMechanism(),
        new ShmGenQueueMechanism(),
        new MemoryMappedFileMechanism(),
        new FileMechanism(),
        new SignalMechanism(),
        new PipeMechanism(),
        new FifoMechanism(),
        new UnixSocketMechanism(),
        new TcpMechanism(),
    ];

    public static IIpcMechanism Find(string name) =>
        All.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"unknown mechanism '{name}'; known: {string.Join(", ", All.Select(m => m.Name))}");
}
