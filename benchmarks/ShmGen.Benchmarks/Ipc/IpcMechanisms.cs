using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShmGen.Benchmarks.Ipc.Mechanisms;
using ShmGen.Benchmarks.NativePrograms;
using ShmGen.Benchmarks.Queues;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>Every row of the ipc table, in the order the table lists them. Adding a mechanism is adding it here.</summary>
internal static class IpcMechanisms
{
    public static IReadOnlyList<IIpcMechanism> All { get; } =
    [
        new NativeIpcMechanism("c-spin", NativeProgram.CSpin),
        new ShmGenWaitNotifyMechanism(),
        new NativeIpcMechanism("boost-condition", NativeProgram.BoostCondition),
        new ShmGenTopicMechanism(),
        new ShmGenQueueMechanism(),
        new NativeIpcMechanism(
            "boost-message-queue",
            NativeProgram.BoostMessageQueue,
            settings => [settings.ShmPrefix + "message-queue", BenchQueues.CapacityOf(settings.MessageSize).ToString(CultureInfo.InvariantCulture)]),
        new NativeIpcMechanism("iceoryx-busy", NativeProgram.Iceoryx, settings => ["busy", settings.ShmPrefix + "iceoryx"]),
        new NativeIpcMechanism("iceoryx-waitset", NativeProgram.Iceoryx, settings => ["waitset", settings.ShmPrefix + "iceoryx"]),
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
