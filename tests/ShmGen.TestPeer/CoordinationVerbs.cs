// Verbs for the coordination tests (Guard.Wait/Notify and Snapshot across processes), and the payloads both sides share.
// Each prints what it observed, one line per fact; a line the parent waits for says the child reached the interesting point.
using System;
using System.Globalization;
using System.Threading;
using ShmGen.Testing;

namespace ShmGen.Testing
{
    /// <summary>A turn two processes hand back and forth with Wait/Notify, and the round it reached.</summary>
    [SharedSegment("shmgen-test-baton")]
    public partial struct Baton
    {
        /// <summary>0: side 0 may go; 1: side 1 may go.</summary>
        public int Turn;

        /// <summary>How many turns were taken: at side s's turn of round r it is 2r + s.</summary>
        public long Round;
    }

    /// <summary>
    /// 256 bytes a writer keeps mutually consistent (<see cref="TelemetryFields"/>): a snapshot that sees them disagree
    /// is torn.
    /// </summary>
    [SharedSegment("shmgen-test-telemetry")]
    public unsafe partial struct Telemetry
    {
        public long A;
        public long B;
        public long C;
        public fixed long Fill[29];

        public long Repairs;

        // A writer killed mid-update leaves A written and the rest stale: make them agree again.
        static partial void OnLockAbandoned(ref Telemetry data)
        {
            TelemetryFields.Write(ref data, data.A);
            data.Repairs++;
        }
    }

    /// <summary>The invariant of <see cref="Telemetry"/>: B = ~A, C = A * 7, every Fill word = A + its index.</summary>
    public static unsafe class TelemetryFields
    {
        /// <summary>Writes <paramref name="value"/> as a writer does: A first, then Fill in order, B and C last.</summary>
        public static void Write(ref Telemetry data, long value)
        {
            data.A = value;
            for (var i = 0; i < 29; i++)
            {
                data.Fill[i] = value + i;
            }

            data.B = ~value;
            data.C = value * 7;
        }

        /// <summary>Whether every field agrees with A.</summary>
        public static bool IsConsistent(Telemetry data)
        {
            if (data.B != ~data.A || data.C != data.A * 7)
            {
                return false;
            }

            for (var i = 0; i < 29; i++)
            {
                if (data.Fill[i] != data.A + i)
                {
                    return false;
                }
            }

            return true;
        }
    }
}

namespace ShmGen.TestPeer
{
    internal static class CoordinationVerbs
    {
        public static bool Handles(string verb) => verb is "baton" or "baton-wait" or "baton-hold" or "telemetry-writer" or "telemetry-hold";

        public static int Run(string[] args)
        {
            // key=value settings after the name; the ShmGen.Testing.* ones are AppContext switches, set before first use.
            foreach (var setting in args[2..])
            {
                var parts = setting.Split('=', 2);
                if (parts.Length == 2 && parts[0].StartsWith("ShmGen.Testing.", StringComparison.Ordinal))
                {
                    AppContext.SetData(parts[0], parts[1]);
                }
            }

            var options = new SegmentOptions { Name = args[1], OpenTimeout = TimeSpan.FromSeconds(10) };
            try
            {
                return args[0] switch
                {
                    "baton" => PassBaton(options, int.Parse(Setting(args, "side"), CultureInfo.InvariantCulture), int.Parse(Setting(args, "rounds"), CultureInfo.InvariantCulture), Setting(args, "notify")),
                    "baton-wait" => WaitForTurn(options),
                    "baton-hold" => HoldBaton(options),
                    "telemetry-writer" => WriteTelemetry(options),
                    _ => HoldTelemetryMidUpdate(options),
                };
            }
            catch (Exception exception) when (exception is not (SharedSegmentException or UnauthorizedAccessException or TimeoutException))
            {
                Console.WriteLine("error " + exception);
                return 5;
            }
        }

        private static string Setting(string[] args, string key)
        {
            foreach (var setting in args[2..])
            {
                if (setting.StartsWith(key + "=", StringComparison.Ordinal))
                {
                    return setting[(key.Length + 1)..];
                }
            }

            throw new ArgumentException("missing setting " + key);
        }

        /// <summary>
        /// One side of the ping-pong: for each round, waits (each Wait with a timeout) until the turn is its own, checks
        /// the round, hands the turn over and notifies. A Wait that times out is a lost wake-up: exit code 6. Now and then
        /// it sleeps outside the lock, so the other side's wait parks rather than ending in its spin.
        /// </summary>
        private static int PassBaton(SegmentOptions options, int side, int rounds, string notify)
        {
            using var segment = BatonSegment.Open(options);
            Console.WriteLine("ready");
            long waits = 0;
            for (var round = 0; round < rounds; round++)
            {
                using (var guard = segment.Lock(TimeSpan.FromSeconds(30)))
                {
                    while (guard.Turn != side)
                    {
                        waits++;
                        // The first wait may outlast the other process's start on a loaded machine.
                        var timeout = TimeSpan.FromSeconds(round == 0 ? 60 : 15);
                        if (!guard.Wait(timeout))
                        {
                            Console.WriteLine($"lost wake-up: side {side} waited {timeout} in round {round} (turn {guard.Turn}, round {guard.Round})");
                            return 6;
                        }
                    }

                    if (guard.Round != (2L * round) + side)
                    {
                        Console.WriteLine($"side {side} round {round}: found round {guard.Round}");
                        return 7;
                    }

                    guard.Round++;
                    guard.Turn = 1 - side;
                    if (notify == "all")
                    {
                        guard.NotifyAll();
                    }
                    else
                    {
                        guard.Notify();
                    }
                }

                if (round % 97 == side)
                {
                    Thread.Sleep(1);
                }
            }

            Console.WriteLine($"done {rounds} waits {waits}");
            return 0;
        }

        /// <summary>Waits until the turn is 1 or the lock comes back abandoned (its holder died), then reports which.</summary>
        private static int WaitForTurn(SegmentOptions options)
        {
            using var segment = BatonSegment.Open(options);
            using var guard = segment.Lock(TimeSpan.FromSeconds(10));
            Console.WriteLine("waiting");
            while (guard.Turn != 1 && !guard.WasAbandoned)
            {
                if (!guard.Wait(TimeSpan.FromSeconds(60)))
                {
                    Console.WriteLine("timed out");
                    return 6;
                }
            }

            Console.WriteLine($"woke turn {guard.Turn} abandoned {guard.WasAbandoned}");
            return 0;
        }

        /// <summary>Takes the lock and waits to be killed holding it (a notifier that dies before it notifies).</summary>
        private static int HoldBaton(SegmentOptions options)
        {
            using var segment = BatonSegment.Open(options);
#pragma warning disable SHM202 // Deliberately never released: the test kills this process while it holds the lock.
            var guard = segment.Lock(TimeSpan.FromSeconds(30));
#pragma warning restore SHM202
            guard.Round = -1;
            Console.WriteLine("locked");
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }

        /// <summary>Updates the telemetry flat out, under the lock, until killed; says "writing" once it is under way.</summary>
        private static int WriteTelemetry(SegmentOptions options)
        {
            using var segment = TelemetrySegment.Open(options);
            long value;
            using (var guard = segment.Lock(TimeSpan.FromSeconds(10)))
            {
                value = guard.A;
            }

            for (var i = 0; i < 1000; i++)
            {
                using var guard = segment.Lock(TimeSpan.FromSeconds(10));
                TelemetryFields.Write(ref guard.Data, ++value);
            }

            Console.WriteLine("writing");
            while (true)
            {
                using var guard = segment.Lock(TimeSpan.FromSeconds(10));
                TelemetryFields.Write(ref guard.Data, ++value);
            }
        }

        /// <summary>Takes the lock, writes A but not the rest (the sequence is odd), and waits to be killed there.</summary>
        private static int HoldTelemetryMidUpdate(SegmentOptions options)
        {
            using var segment = TelemetrySegment.Open(options);
#pragma warning disable SHM202 // Deliberately never released: the test kills this process mid-update.
            var guard = segment.Lock(TimeSpan.FromSeconds(10));
#pragma warning restore SHM202
            guard.A = 12345;
            Console.WriteLine("mid-update");
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }
    }
}
