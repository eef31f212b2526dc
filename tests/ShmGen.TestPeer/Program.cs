// Verbs the runtime tests run in a real child process. Each prints what it observed on stdout, one line per fact,
// so the parent can assert on it; "ready" lines tell the parent the child reached the interesting point.
using System;
using System.Globalization;
using System.Threading;
using ShmGen;
using ShmGen.Testing;

var verb = args[0];
var options = new SegmentOptions { Name = args[1], OpenTimeout = TimeSpan.FromSeconds(10) };
try
{
    switch (verb)
    {
        case "write":
        {
            using var segment = CounterSegment.Open(options);
            using var guard = segment.Lock(TimeSpan.FromSeconds(10));
            guard.Value = long.Parse(args[2], CultureInfo.InvariantCulture);
            guard.Shadow = guard.Value;
            Console.WriteLine("written");
            break;
        }

        case "write-shared":
        {
            // Another user attaching to a segment whose creator opted into sharing with everyone (mode 0666).
#pragma warning disable SHM301 // Cross-user sharing is what the calling test checks.
            var shared = new SegmentOptions { Name = args[1], Mode = (System.IO.UnixFileMode)0x1B6 };
#pragma warning restore SHM301
            using var segment = CounterSegment.Open(shared);
            using var guard = segment.Lock(TimeSpan.FromSeconds(10));
            guard.Value = long.Parse(args[2], CultureInfo.InvariantCulture);
            Console.WriteLine("written");
            break;
        }

        case "read":
        {
            using var segment = CounterSegment.Open(options);
            using var guard = segment.Lock(TimeSpan.FromSeconds(10));
            Console.WriteLine(guard.Value.ToString(CultureInfo.InvariantCulture));
            break;
        }

        case "increment":
        {
            var count = int.Parse(args[2], CultureInfo.InvariantCulture);
            using var segment = CounterSegment.OpenOrCreate(options);
            Console.WriteLine("ready");
            for (var i = 0; i < count; i++)
            {
                using var guard = segment.Lock(TimeSpan.FromSeconds(30));
                guard.Value++;
                guard.Shadow = guard.Value;
            }

            Console.WriteLine("done");
            break;
        }

        case "hold":
        {
            // Takes the lock, breaks the invariant half-way, and waits to be killed with the lock held.
            using var segment = CounterSegment.Open(options);
#pragma warning disable SHM202 // Deliberately never released: the test kills this process while it holds the lock.
            var guard = segment.Lock(TimeSpan.FromSeconds(10));
#pragma warning restore SHM202
            guard.Value++;
            Console.WriteLine("locked");
            Thread.Sleep(Timeout.Infinite);
            break;
        }

        case "hold-fragile":
        {
            using var segment = FragileSegment.Open(options);
#pragma warning disable SHM202 // Deliberately never released: the test kills this process while it holds the lock.
            var guard = segment.Lock(TimeSpan.FromSeconds(10));
#pragma warning restore SHM202
            Console.WriteLine("locked");
            Thread.Sleep(Timeout.Infinite);
            break;
        }

        case "crash-loop-increment":
        {
            // Completes locked increments forever, reporting each completed one, until killed (at a random point).
            using var segment = CounterSegment.Open(options);
            Console.WriteLine("ready");
            while (true)
            {
                long value;
                using (var guard = segment.Lock(TimeSpan.FromSeconds(30)))
                {
                    guard.Value++;
                    guard.Shadow = guard.Value;
                    value = guard.Value;
                }

                Console.WriteLine(value.ToString(CultureInfo.InvariantCulture));
            }
        }

        case "open-v2":
        {
            using var segment = CounterV2Segment.Open(options);
            Console.WriteLine("opened");
            break;
        }

        case "open":
        {
            using var segment = CounterSegment.Open(options);
            Console.WriteLine("opened");
            break;
        }

        case "message":
        {
            using var segment = MessageSegment.Open(options);
            using var guard = segment.Lock(TimeSpan.FromSeconds(10));
            guard.Sequence++;
            guard.Origin.X *= 2;
            guard.Origin.Y = -guard.Origin.Y;
            guard.Tint = Color.Green;
            var text = guard.Text;
            for (var i = 0; i < text.Length; i++)
            {
                text[i] = (byte)(255 - text[i]);
            }

            Console.WriteLine("written");
            break;
        }

        case "create-and-exit":
        {
            // Leaves a segment behind, as a process that forgot to unlink does.
#pragma warning disable SHM101, SHM102 // Deliberately leaked: the test needs a leftover whose creator is gone.
            var segment = CounterSegment.Create(options);
#pragma warning restore SHM101, SHM102
            Console.WriteLine("created");
            break;
        }

        case "open-or-create-report":
        {
            using var segment = CounterSegment.OpenOrCreate(options);
            using (segment.Lock(TimeSpan.FromSeconds(30)))
            {
            }

            Console.WriteLine(segment.IsCreator ? "creator" : "opener");
            break;
        }

        case "create-huge":
        {
            try
            {
#pragma warning disable SHM101 // Expected to fail: there is nothing to unlink.
                using var segment = HugeSegment.Create(options);
#pragma warning restore SHM101
                Console.WriteLine("created");
            }
            catch (OutOfSharedMemoryException exception)
            {
                Console.WriteLine(exception.GetType().Name);
                Console.WriteLine(exception.Message);
                Console.WriteLine(System.IO.File.Exists("/dev/shm/" + args[1]) ? "name left" : "name removed");
                return 3;
            }

            break;
        }

        case "emfile":
        {
            // Uses up every descriptor the (lowered) RLIMIT_NOFILE allows, then attaches. The failure path runs once
            // first, so the runtime has loaded what reporting an error needs while it still has descriptors.
            try
            {
                using var missing = CounterSegment.Open(new SegmentOptions { Name = args[1] + "-missing" });
            }
            catch (SegmentNotFoundException warmUp)
            {
                _ = warmUp.ToString();
            }

            _ = CultureInfo.CurrentCulture.CompareInfo;
            var hoard = new System.Collections.Generic.List<System.IO.FileStream>();
            try
            {
                while (true)
                {
                    hoard.Add(new System.IO.FileStream("/dev/null", System.IO.FileMode.Open, System.IO.FileAccess.Read));
                }
            }
            catch (System.IO.IOException)
            {
            }

            try
            {
                using var segment = CounterSegment.Open(options);
                Console.WriteLine("opened");
            }
            finally
            {
                hoard.ForEach(f => f.Dispose());
            }

            break;
        }

        case "unlink-racer":
        {
            // Creates the name whenever it is free and removes only its own segment, with Unlink(), until killed: if
            // Unlink's "is it still mine" check went stale, it would remove the parent's newer segment.
            Console.WriteLine("racing");
            while (true)
            {
                try
                {
                    using var segment = CounterSegment.Create(options);
                    Thread.SpinWait(50);
                    segment.Unlink();
                }
                catch (SegmentAlreadyExistsException)
                {
                }
            }
        }

        case "create-unlink-on-exit":
        {
            // args[2]: "wait" (until a signal ends the process) or "exit" (return normally); args[3]: "on" or "off"
            // (without UnlinkOnExit: the control whose exit code the signal tests compare with).
            var unlinkOnExit = args.Length < 4 || args[3] == "on";
#pragma warning disable SHM101 // UnlinkOnExit (or the test, for the control) removes it.
            using var segment = CounterSegment.Create(new SegmentOptions { Name = args[1], UnlinkOnExit = unlinkOnExit });
#pragma warning restore SHM101
            Console.WriteLine("created");
            if (args[2] == "wait")
            {
                Thread.Sleep(TimeSpan.FromSeconds(60));
                Console.WriteLine("not signalled");
                return 4;
            }

            break;
        }

        case "open-waiting":
        {
            // args[2]: WaitForCreation in milliseconds.
            var waitFor = TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture));
            Console.WriteLine("waiting");
            using var segment = CounterSegment.Open(new SegmentOptions { Name = args[1], OpenTimeout = TimeSpan.FromSeconds(10), WaitForCreation = waitFor });
            using var guard = segment.Lock(TimeSpan.FromSeconds(10));
            Console.WriteLine("opened " + guard.Value.ToString(CultureInfo.InvariantCulture));
            break;
        }

        case "scribble-lock":
            return HostilePeer.Run(args[1], args[2]);

        case "hold-and-cut":
        {
            // Takes the lock, then cuts the file to args[2] bytes with a plain ftruncate, as any process that can write
            // a named segment can, and waits to be killed (still holding the lock).
            using var segment = CounterSegment.Open(options);
#pragma warning disable SHM202 // Deliberately never released: the test kills this process while it holds the lock.
            var guard = segment.Lock(TimeSpan.FromSeconds(10));
#pragma warning restore SHM202
            using (var file = System.IO.File.OpenHandle("/dev/shm/" + args[1], System.IO.FileMode.Open, System.IO.FileAccess.ReadWrite))
            {
                System.IO.RandomAccess.SetLength(file, long.Parse(args[2], CultureInfo.InvariantCulture));
            }

            Console.WriteLine("cut");
            Thread.Sleep(Timeout.Infinite);
            break;
        }

        case "map-until-refused":
        {
            // Brings vm.max_map_count within reach through the runtime's test-only override (its margin is 1,000 below
            // the limit), then maps segments until one is refused. Each is unlinked at once: its mapping stays valid.
            var baseline = System.IO.File.ReadAllLines("/proc/self/maps").Length;
            Environment.SetEnvironmentVariable("SHMGEN_TEST_MAX_MAP_COUNT", (baseline + 1300).ToString(CultureInfo.InvariantCulture));
            var held = new System.Collections.Generic.List<CounterSegment>();
            try
            {
                while (held.Count < 5000)
                {
                    var segment = CounterSegment.Create(new SegmentOptions { Name = $"{args[1]}-{held.Count}" });
                    segment.Unlink();
                    held.Add(segment);
                }

                Console.WriteLine("never refused");
                return 4;
            }
            catch (OutOfSharedMemoryException refused)
            {
                Console.WriteLine(nameof(OutOfSharedMemoryException));
                Console.WriteLine(refused.Message);
                Console.WriteLine("mapped " + held.Count.ToString(CultureInfo.InvariantCulture));
                return 0;
            }
        }

        case "hold-then-exit-thread":
        {
            // A thread takes the lock and ends without releasing it (a Guard forgotten, not disposed); the process lives on.
            using var segment = CounterSegment.Open(options);
            var thread = new Thread(() =>
            {
#pragma warning disable SHM202 // Deliberately never released: the thread ends holding the lock.
                var guard = segment.Lock(TimeSpan.FromSeconds(10));
#pragma warning restore SHM202
                guard.Value++;
            });
            thread.Start();
            thread.Join();
            Console.WriteLine("thread ended");
            Thread.Sleep(Timeout.Infinite);
            break;
        }

        default:
            if (ShmGen.TestPeer.RoleVerbs.Handles(verb))
            {
                return ShmGen.TestPeer.RoleVerbs.Run(args);
            }

            if (ShmGen.TestPeer.MetricVerbs.Handles(verb))
            {
                return ShmGen.TestPeer.MetricVerbs.Run(args);
            }

            if (ShmGen.TestPeer.CoordinationVerbs.Handles(verb))
            {
                return ShmGen.TestPeer.CoordinationVerbs.Run(args);
            }

            Console.Error.WriteLine($"unknown verb {verb}");
            return 2;
    }
}
catch (Exception exception) when (exception is SharedSegmentException or UnauthorizedAccessException or TimeoutException)
{
    Console.WriteLine(exception.GetType().Name);
    Console.WriteLine(exception.Message);
    Console.WriteLine((exception as SharedSegmentException)?.ErrorNumber?.ToString(CultureInfo.InvariantCulture) ?? "-");
    return 3;
}

return 0;
