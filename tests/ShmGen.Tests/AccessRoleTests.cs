using System;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ShmGen.Native;
using ShmGen.Testing;
using LibC = Tmds.Linux.LibC;

// Readers of another user are what these tests check: the modes grant other-read on purpose.
#pragma warning disable SHM301

namespace ShmGen.Tests;

/// <summary>A queue for the anonymous-queue test.</summary>
[SharedQueue("shmgen-test-roles-jobs", Capacity = 8)]
public partial struct RoleJob
{
    public long Id;
}

/// <summary>Who can do what: read-only views, and anonymous sealed segments handed to peers that are not trusted with the file.</summary>
[Collection(ProcessWideState.Name)]
public sealed unsafe class AccessRoleTests
{
    private static readonly string[] AsNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

    [Fact]
    public void A_read_only_view_is_a_PROT_READ_mapping_that_writes_nothing_and_sees_the_writer()
    {
        using var scratch = new ScratchSegment();
        using var writer = CounterSegment.Create(scratch.Options);
        using (var guard = writer.Lock())
        {
            guard.Value = 7;
            guard.Shadow = 7;
        }

        var before = File.ReadAllBytes(scratch.Path);
        using (var view = CounterSegment.OpenReadOnly(scratch.Options))
        {
            Assert.Equal(scratch.Name, view.Name);
            Assert.Equal("r--s", MappingPermissions(Environment.ProcessId, scratch.Path).Single(p => p != "rw-s"));
            Assert.Equal(7, view.Snapshot().Value);
            Assert.Equal(7, view.Data.Value);
            Assert.True(view.TrySnapshot(out var copy, TimeSpan.FromSeconds(1)));
            Assert.Equal(7, copy.Shadow);
        }

        // Neither opening, reading nor disposing the view wrote a byte (the lock and the sequence included).
        Assert.Equal(before, File.ReadAllBytes(scratch.Path));
        Assert.DoesNotContain("r--s", MappingPermissions(Environment.ProcessId, scratch.Path));
    }

    [Fact]
    public void A_read_only_view_accepts_group_read_bits_that_Open_refuses_and_throws_after_Dispose()
    {
        using var scratch = new ScratchSegment();
        using var writer = CounterSegment.Create(scratch.With(o => new SegmentOptions { Name = o.Name, Mode = (UnixFileMode)0x1A0 })); // 0640

        // The reader expects 0600: a group that may READ is what it asks to share with; write bits would still be refused.
        var view = CounterSegment.OpenReadOnly(scratch.Options);
        Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.Open(scratch.Options));

        File.SetUnixFileMode(scratch.Path, (UnixFileMode)0x1B0); // 0660
        Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.OpenReadOnly(scratch.Options));

        view.Dispose();
        view.Dispose();
        Assert.Throws<ObjectDisposedException>(() => view.Snapshot());
    }

    [SkippableFact]
    public void A_reader_of_another_user_with_only_read_permission_follows_a_writer_and_cannot_write_or_truncate()
    {
        SkipUnlessNobodyCanRunThePeer();
        using var scratch = new ScratchSegment();
        const int Mode = 0x184; // 0604: the owner writes, other users may only read
        using var writer = CounterSegment.Create(scratch.With(o => new SegmentOptions { Name = o.Name, Mode = (UnixFileMode)Mode }));
        const long Target = 100_003;
        using var reader = Peer.Start(AsNobody, "follow-readonly", scratch.Name, Convert.ToString(Mode, 8), Target.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal("mprotect " + LibC.EACCES, reader.NextLine());
        Assert.Equal("open-rw " + LibC.EACCES, reader.NextLine());
        Assert.Contains(reader.NextLine(), new[] { "ftruncate " + LibC.EINVAL, "ftruncate " + LibC.EBADF });
        Assert.Equal("open " + nameof(UnauthorizedAccessException), reader.NextLine());
        reader.WaitForLine("ready");
        Assert.Equal(["r--s"], MappingPermissions(reader.Id, scratch.Path));

        for (var step = 1; step <= 3; step++)
        {
            using (var guard = writer.Lock())
            {
                guard.Value = step;
                guard.Shadow = step;
            }

            reader.WaitForLine("saw " + step);
        }

        // Many updates while the reader snapshots: it must never see Value and Shadow disagree.
        for (var value = 4L; value <= Target; value++)
        {
            using var guard = writer.Lock();
            guard.Value = value;
            guard.Shadow = value;
        }

        reader.WaitForLine("followed " + Target);
        var (exitCode, lines) = reader.Finish();
        Assert.True(exitCode == 0, string.Join(" | ", lines));
    }

    [Fact]
    public void A_sealed_segment_handed_to_a_child_survives_its_attempts_to_shrink_or_grow_it()
    {
        using var parent = CounterSegment.CreateAnonymous(new SegmentOptions { Name = "roles-sealed", LockTimeout = TimeSpan.FromSeconds(10) });
        Assert.Equal("memfd:roles-sealed (anonymous, sealed)", parent.Name);
        Assert.True(parent.IsCreator);
        parent.Unlink(); // no name: nothing to remove, and nothing breaks

        using var listener = Listen(out var address);
        using var child = Peer.Start("receive-sealed", address, "roles-sealed");
        using (var connection = Accept(listener))
        {
            parent.SendTo(connection);
        }

        child.WaitForLine("written");

        // The parent keeps working after the child tried: the memory is the same, and whole.
        using (var guard = parent.Lock())
        {
            Assert.Equal(4242, guard.Value);
            guard.Value = 4343;
            guard.Shadow = 4343;
        }

        Assert.Equal(4343, parent.Snapshot().Shadow);
        var (exitCode, lines) = child.Finish();
        Assert.True(exitCode == 0, string.Join(" | ", lines));
        Assert.Equal(
            [
                "name memfd:shmgen-test-counter (anonymous, sealed)",
                "shrink " + LibC.EPERM,
                "grow " + LibC.EPERM,
                "fallocate " + LibC.EPERM,
                "seal-write " + LibC.EPERM,
                "written",
            ],
            lines);
        Assert.Equal(4343, parent.Data.Value);
    }

    [SkippableFact]
    public void A_read_only_sealed_descriptor_cannot_be_made_writable()
    {
        SkipUnlessNobodyCanRunThePeer();
        using var parent = CounterSegment.CreateAnonymous();
        using (var guard = parent.Lock())
        {
            guard.Value = 99;
            guard.Shadow = 99;
        }

        using var listener = Listen(out var address);
        using var child = Peer.Start(AsNobody, "receive-sealed-readonly", address, CounterSegment.DefaultName);
        using (var connection = Accept(listener))
        {
            parent.SendReadOnlyTo(connection);
        }

        var (exitCode, lines) = child.Finish();
        Assert.True(exitCode == 0, string.Join(" | ", lines));
        Assert.Equal(
            [
                "access " + LibC.O_RDONLY,
                "reopen-rw " + LibC.EACCES,
                "mmap-rw " + LibC.EACCES,
                "mprotect " + LibC.EACCES,
                "ftruncate " + LibC.EINVAL,
                "value 99",
            ],
            lines);
    }

    [Fact]
    public void A_read_only_descriptor_is_refused_by_ReceiveFrom_and_accepted_by_ReceiveReadOnlyFrom()
    {
        using var segment = CounterSegment.CreateAnonymous();
        using (var guard = segment.Lock())
        {
            guard.Value = 5;
        }

        var (left, right) = SocketPair();
        using (left)
        using (right)
        {
            segment.SendReadOnlyTo(left);
            var refused = Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.ReceiveFrom(right));
            Assert.Contains("read-only", refused.Message, StringComparison.Ordinal);

            segment.SendReadOnlyTo(left);
            using var view = CounterSegment.ReceiveReadOnlyFrom(right);
            Assert.Equal(5, view.Snapshot().Value);
            Assert.Contains("anonymous", view.Name, StringComparison.Ordinal);

            segment.SendTo(left);
            using var writable = CounterSegment.ReceiveFrom(right);
            Assert.False(writable.IsCreator);
            using (var guard = writable.Lock())
            {
                guard.Value = 6;
            }

            Assert.Equal(6, view.Snapshot().Value);
            Assert.Equal(6, segment.Data.Value);
        }
    }

    [Fact]
    public void An_unsealed_or_partly_sealed_memfd_a_named_file_and_a_message_without_a_descriptor_are_refused()
    {
        var total = 4096 + 64;
        var (left, right) = SocketPair();
        using (left)
        using (right)
        {
            // A memfd of the right size whose header is valid, but without seals: the sender could shrink it later.
            using (var valid = CounterSegment.CreateAnonymous())
            {
                var unsealed = MemoryFiles.Create("unsealed");
                try
                {
                    Assert.Equal(0, LibC.ftruncate(unsealed, total));
                    CopyHeader(valid, unsealed);
                    Assert.Equal(0, DescriptorPassing.Send(left, unsealed));
                    var error = Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.ReceiveFrom(right));
                    Assert.Contains("F_SEAL_SHRINK", error.Message, StringComparison.Ordinal);

                    // Sealed against shrinking only: growing is not what breaks a mapping, but F_SEAL_SEAL is what keeps the rest honest.
                    Assert.Equal(0, MemoryFiles.AddSeals(unsealed, LibC.F_SEAL_SHRINK));
                    Assert.Equal(0, DescriptorPassing.Send(left, unsealed));
                    Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.ReceiveReadOnlyFrom(right));
                }
                finally
                {
                    LibC.close(unsealed);
                }
            }

            // A named segment's file: not a memfd, so it cannot be sealed at all.
            using (var scratch = new ScratchSegment())
            using (CounterSegment.Create(scratch.Options))
            using (var named = File.OpenHandle(scratch.Path, FileMode.Open, FileAccess.ReadWrite))
            {
                Assert.Equal(0, DescriptorPassing.Send(left, (int)named.DangerousGetHandle()));
                // tmpfs files carry F_SEAL_SEAL alone (sealing disallowed), never the seals a receiver needs.
                var error = Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.ReceiveFrom(right));
                Assert.Contains("seal", error.Message, StringComparison.Ordinal);
            }

            // A byte with no descriptor.
            left.Send([(byte)'S']);
            Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.ReceiveFrom(right));
        }
    }

    [Fact]
    public void A_sealed_segment_of_another_layout_is_a_layout_mismatch_and_the_peer_closing_is_an_IOException()
    {
        using var other = CounterV2Segment.CreateAnonymous();
        var (left, right) = SocketPair();
        using (right)
        {
            using (left)
            {
                other.SendTo(left);
                Assert.Throws<SegmentLayoutMismatchException>(() => CounterSegment.ReceiveFrom(right));
            }

            Assert.Throws<SharedSegmentException>(() => CounterSegment.ReceiveFrom(right));
        }

        using var scratch = new ScratchSegment();
        using var named = CounterSegment.Create(scratch.Options);
        var (a, b) = SocketPair();
        using (a)
        using (b)
        {
            Assert.Throws<InvalidOperationException>(() => named.SendTo(a));
        }
    }

    [Fact]
    public void An_anonymous_queue_passes_items_between_its_holders()
    {
        using var producer = RoleJobQueue.CreateAnonymous();
        var (left, right) = SocketPair();
        using (left)
        using (right)
        {
            producer.SendTo(left);
            using var consumer = RoleJobQueue.ReceiveFrom(right);
            Assert.Contains("anonymous", consumer.Name, StringComparison.Ordinal);
            Assert.Equal(8, consumer.Capacity);
            producer.Enqueue(new RoleJob { Id = 41 });
            producer.Enqueue(new RoleJob { Id = 42 });
            Assert.Equal(41, consumer.Dequeue().Id);
            Assert.True(producer.TryDequeue(out var second, TimeSpan.FromSeconds(1)));
            Assert.Equal(42, second.Id);
        }
    }

    private static void SkipUnlessNobodyCanRunThePeer()
    {
        Skip.IfNot(LibC.geteuid() == 0 && File.Exists("/usr/bin/setpriv"), "running a child as another user needs root and setpriv");
        Skip.IfNot(SecurityTests.CanRunPeerAs(AsNobody), "user nobody cannot read the test binaries here (a private checkout directory)");
    }

    /// <summary>The permissions column of every line of /proc/PID/maps that maps <paramref name="path"/>.</summary>
    private static string[] MappingPermissions(int pid, string path) =>
        File.ReadAllLines($"/proc/{pid}/maps")
            .Where(line => line.EndsWith(" " + path, StringComparison.Ordinal))
            .Select(line => line.Split(' ')[1])
            .ToArray();

    /// <summary>A listening abstract Unix socket ("@name": no file, so another uid can connect without permissions on one).</summary>
    private static Socket Listen(out string address)
    {
        var name = "shmgen-test-roles-" + Guid.NewGuid().ToString("N");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
        socket.Listen(1);
        address = "@" + name;
        return socket;
    }

    /// <summary>Accepts the child's connection, failing instead of hanging when the child never connects.</summary>
    private static Socket Accept(Socket listener)
    {
        Assert.True(listener.Poll(TimeSpan.FromSeconds(60), SelectMode.SelectRead), "the child never connected");
        return listener.Accept();
    }

    private static (Socket Left, Socket Right) SocketPair()
    {
        var fds = stackalloc int[2];
        Assert.Equal(0, LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds));
        return (new Socket(new SafeSocketHandle(fds[0], ownsHandle: true)), new Socket(new SafeSocketHandle(fds[1], ownsHandle: true)));
    }

    /// <summary>Copies a real segment's header into <paramref name="fd"/>, so only the missing seals can be wrong.</summary>
    private static void CopyHeader(CounterSegment source, int fd)
    {
        ref var data = ref source.Data;
        var payload = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref data);
        var header = payload - 4096;
        Assert.Equal(4096, (long)LibC.pwrite(fd, header, 4096, 0));
    }
}
