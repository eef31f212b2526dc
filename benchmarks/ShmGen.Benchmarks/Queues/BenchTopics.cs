using System;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace ShmGen.Benchmarks.Queues;

// The topic rows' item types: the same sizes and stamps as the queue items (BenchQueues.Stamp/ReadStamp work on both).

/// <summary>A 8-byte topic item.</summary>
[SharedTopic("shmgen-bench-topic8", Capacity = 4096)]
public partial struct BenchTopicItem8
{
    /// <summary>The stamp.</summary>
    public long Head;
}

/// <summary>A 64-byte topic item.</summary>
[SharedTopic("shmgen-bench-topic64", Capacity = 4096)]
public unsafe partial struct BenchTopicItem64
{
    /// <summary>The stamp.</summary>
    public long Head;

    /// <summary>Filler.</summary>
    public fixed byte Body[48];

    /// <summary>The stamp again.</summary>
    public long Tail;
}

/// <summary>A 1024-byte topic item.</summary>
[SharedTopic("shmgen-bench-topic1024", Capacity = 1024)]
public unsafe partial struct BenchTopicItem1024
{
    /// <summary>The stamp.</summary>
    public long Head;

    /// <summary>Filler.</summary>
    public fixed byte Body[1008];

    /// <summary>The stamp again.</summary>
    public long Tail;
}

/// <summary>A 4096-byte topic item.</summary>
[SharedTopic("shmgen-bench-topic4096", Capacity = 256)]
public unsafe partial struct BenchTopicItem4096
{
    /// <summary>The stamp.</summary>
    public long Head;

    /// <summary>Filler.</summary>
    public fixed byte Body[4080];

    /// <summary>The stamp again.</summary>
    public long Tail;
}

/// <summary>
/// One generated topic type seen generically, as <see cref="IBenchQueue{TSelf, TItem}"/> sees queues: a struct over the
/// generated class, plus at most one subscriber (<see cref="WithSubscriber"/>), so loops call the generated code directly.
/// </summary>
internal interface IBenchTopic<TSelf, TItem> : IDisposable
    where TSelf : struct, IBenchTopic<TSelf, TItem>
    where TItem : unmanaged
{
    static abstract TSelf Create(string name);

    static abstract TSelf Open(string name);

    string Name { get; }

    /// <summary>This topic with a new subscriber, which sees items published from now on.</summary>
    TSelf WithSubscriber();

    long Publish(in TItem item);

    TItem Receive();

    long Missed { get; }

    void Unlink();
}

/// <summary>Code that runs with the topic type of one item size.</summary>
internal interface IBenchTopicAction<TResult>
{
    TResult Invoke<TTopic, TItem>()
        where TTopic : struct, IBenchTopic<TTopic, TItem>
        where TItem : unmanaged;
}

internal static class BenchTopics
{
    /// <summary>Runs <paramref name="action"/> with the topic whose items are <paramref name="size"/> bytes.</summary>
    public static TResult With<TResult, TAction>(int size, TAction action)
        where TAction : IBenchTopicAction<TResult> => size switch
        {
            8 => action.Invoke<Topic8, BenchTopicItem8>(),
            64 => action.Invoke<Topic64, BenchTopicItem64>(),
            1024 => action.Invoke<Topic1024, BenchTopicItem1024>(),
            4096 => action.Invoke<Topic4096, BenchTopicItem4096>(),
            _ => throw new InvalidOperationException($"shmgen-topic: no item type of {size} bytes (there are {string.Join(", ", BenchQueues.Sizes)})"),
        };

    /// <summary>How many items the topic of <paramref name="size"/>-byte items keeps.</summary>
    public static int CapacityOf(int size) => With<int, CapacityReader>(size, default);

    private readonly struct CapacityReader : IBenchTopicAction<int>
    {
        public int Invoke<TTopic, TItem>()
            where TTopic : struct, IBenchTopic<TTopic, TItem>
            where TItem : unmanaged => typeof(TItem).GetCustomAttribute<SharedTopicAttribute>()!.Capacity;
    }

    internal readonly struct Topic8(BenchTopicItem8Topic topic, BenchTopicItem8Topic.Subscriber? subscriber) : IBenchTopic<Topic8, BenchTopicItem8>
    {
        public string Name => topic.Name;

        public long Missed => subscriber!.Missed;

        public static Topic8 Create(string name) => new(BenchTopicItem8Topic.Create(new SegmentOptions { Name = name }), null);

        public static Topic8 Open(string name) => new(BenchTopicItem8Topic.Open(new SegmentOptions { Name = name }), null);

        public Topic8 WithSubscriber() => new(topic, topic.Subscribe());

        public long Publish(in BenchTopicItem8 item) => topic.Publish(in item);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public BenchTopicItem8 Receive() => subscriber!.Receive();

        public void Unlink() => topic.Unlink();

        public void Dispose()
        {
            subscriber?.Dispose();
            topic.Dispose();
        }
    }

    internal readonly struct Topic64(BenchTopicItem64Topic topic, BenchTopicItem64Topic.Subscriber? subscriber) : IBenchTopic<Topic64, BenchTopicItem64>
    {
        public string Name => topic.Name;

        public long Missed => subscriber!.Missed;

        public static Topic64 Create(string name) => new(BenchTopicItem64Topic.Create(new SegmentOptions { Name = name }), null);

        public static Topic64 Open(string name) => new(BenchTopicItem64Topic.Open(new SegmentOptions { Name = name }), null);

        public Topic64 WithSubscriber() => new(topic, topic.Subscribe());

        public long Publish(in BenchTopicItem64 item) => topic.Publish(in item);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public BenchTopicItem64 Receive() => subscriber!.Receive();

        public void Unlink() => topic.Unlink();

        public void Dispose()
        {
            subscriber?.Dispose();
            topic.Dispose();
        }
    }

    internal readonly struct Topic1024(BenchTopicItem1024Topic topic, BenchTopicItem1024Topic.Subscriber? subscriber) : IBenchTopic<Topic1024, BenchTopicItem1024>
    {
        public string Name => topic.Name;

        public long Missed => subscriber!.Missed;

        public static Topic1024 Create(string name) => new(BenchTopicItem1024Topic.Create(new SegmentOptions { Name = name }), null);

        public static Topic1024 Open(string name) => new(BenchTopicItem1024Topic.Open(new SegmentOptions { Name = name }), null);

        public Topic1024 WithSubscriber() => new(topic, topic.Subscribe());

        public long Publish(in BenchTopicItem1024 item) => topic.Publish(in item);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public BenchTopicItem1024 Receive() => subscriber!.Receive();

        public void Unlink() => topic.Unlink();

        public void Dispose()
        {
            subscriber?.Dispose();
            topic.Dispose();
        }
    }

    internal readonly struct Topic4096(BenchTopicItem4096Topic topic, BenchTopicItem4096Topic.Subscriber? subscriber) : IBenchTopic<Topic4096, BenchTopicItem4096>
    {
        public string Name => topic.Name;

        public long Missed => subscriber!.Missed;

        public static Topic4096 Create(string name) => new(BenchTopicItem4096Topic.Create(new SegmentOptions { Name = name }), null);

        public static Topic4096 Open(string name) => new(BenchTopicItem4096Topic.Open(new SegmentOptions { Name = name }), null);

        public Topic4096 WithSubscriber() => new(topic, topic.Subscribe());

        public long Publish(in BenchTopicItem4096 item) => topic.Publish(in item);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public BenchTopicItem4096 Receive() => subscriber!.Receive();

        public void Unlink() => topic.Unlink();

        public void Dispose()
        {
            subscriber?.Dispose();
            topic.Dispose();
        }
    }
}
