namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>The shared payload of the shmgen-wait-notify row: one mailbox, whose turn says which side may read it.</summary>
[SharedSegment("shmgen-bench-waitnotify")]
public unsafe partial struct WaitNotifyChannel
{
    /// <summary>The largest message the mailbox holds.</summary>
    public const int MaxMessage = 4096;

    /// <summary>0: the parent's turn to read (the child wrote last); 1: the child's.</summary>
    public int Turn;

    /// <summary>The message.</summary>
    public fixed byte Message[MaxMessage];
}
