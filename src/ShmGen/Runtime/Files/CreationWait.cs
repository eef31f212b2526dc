using System;
using System.Runtime.InteropServices;
using System.Text;
using ShmGen.Native;

namespace ShmGen.Runtime.Files;

/// <summary>
/// <see cref="SegmentOptions.WaitForCreation"/>: an inotify watch on /dev/shm for IN_CREATE and IN_MOVED_TO, set up
/// before the first open attempt so a creation between a failed attempt and the wait cannot be missed; every attempt
/// that finds no name sleeps in poll(2) until an event names it (or the queue of events overflowed) or the deadline
/// passes. A creator that is still initializing is then waited out by the open itself (<see cref="SegmentOptions.OpenTimeout"/>).
/// </summary>
internal static unsafe class CreationWait
{
    // Only when inotify itself is unavailable (EMFILE: the per-user instance limit): look again at this interval.
    private static readonly TimeSpan s_fallbackInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs <paramref name="open"/>, retrying on <see cref="SegmentNotFoundException"/> each time the name appears,
    /// until <see cref="SegmentOptions.WaitForCreation"/> ran out.</summary>
    public static TResult Open<TResult>(string name, SegmentOptions options, Func<TResult> open)
    {
        var waitFor = options.WaitForCreation;
        if (waitFor == TimeSpan.Zero)
        {
            return open();
        }

        var deadline = Deadline.After(waitFor, "options.WaitForCreation");
        var watch = StartWatch();
        try
        {
            while (true)
            {
                try
                {
                    return open();
                }
                catch (SegmentNotFoundException) when (WaitForName(watch, name, deadline))
                {
                }
            }
        }
        finally
        {
            if (watch >= 0)
            {
                Inotify.close(watch);
            }
        }
    }

    private static int StartWatch()
    {
        var fd = Inotify.inotify_init1(Inotify.IN_NONBLOCK | Inotify.IN_CLOEXEC);
        if (fd < 0)
        {
            return -1;
        }

        var path = Encoding.ASCII.GetBytes(ShmFile.Directory + "\0");
        fixed (byte* p = path)
        {
            if (Inotify.inotify_add_watch(fd, p, Inotify.IN_CREATE | Inotify.IN_MOVED_TO) < 0)
            {
                Inotify.close(fd);
                return -1;
            }
        }

        return fd;
    }

    /// <summary>Sleeps until the name may exist; <see langword="false"/> once the deadline passed.</summary>
    private static bool WaitForName(int watch, string name, long deadline)
    {
        var wanted = Encoding.UTF8.GetBytes(name);
        var buffer = stackalloc byte[4096];
        while (true)
        {
            var remaining = Deadline.Remaining(deadline);
            if (remaining == TimeSpan.Zero)
            {
                return false;
            }

            if (watch < 0)
            {
                System.Threading.Thread.Sleep(remaining == System.Threading.Timeout.InfiniteTimeSpan || remaining > s_fallbackInterval ? s_fallbackInterval : remaining);
                return true;
            }

            var pollFd = new Inotify.PollFd { Fd = watch, Events = Inotify.POLLIN };
            var ready = Inotify.poll(&pollFd, 1, TimeoutMilliseconds(remaining));
            if (ready < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                throw SegmentErrors.FromErrno(name, "poll(inotify)", errno);
            }

            if (ready == 0)
            {
                continue;
            }

            // Read everything queued (non-blocking descriptor); the kernel never splits an event across reads.
            while (true)
            {
                var read = Inotify.read(watch, buffer, 4096);
                if (read <= 0)
                {
                    break;
                }

                if (Names(buffer, (int)read, wanted))
                {
                    return true;
                }
            }
        }
    }

    private static bool Names(byte* buffer, int length, byte[] wanted)
    {
        var offset = 0;
        while (offset + sizeof(Inotify.Event) <= length)
        {
            var e = (Inotify.Event*)(buffer + offset);
            var nameLength = (int)Math.Min(e->Length, (uint)(length - offset - sizeof(Inotify.Event)));
            if ((e->Mask & Inotify.IN_Q_OVERFLOW) != 0)
            {
                return true;
            }

            var eventName = new ReadOnlySpan<byte>(buffer + offset + sizeof(Inotify.Event), nameLength);
            var end = eventName.IndexOf((byte)0);
            if ((end < 0 ? eventName : eventName[..end]).SequenceEqual(wanted))
            {
                return true;
            }

            offset += sizeof(Inotify.Event) + (int)e->Length;
        }

        return false;
    }

    private static int TimeoutMilliseconds(TimeSpan remaining) =>
        remaining == System.Threading.Timeout.InfiniteTimeSpan ? -1 : (int)Math.Min(int.MaxValue, Math.Ceiling(remaining.TotalMilliseconds));
}
