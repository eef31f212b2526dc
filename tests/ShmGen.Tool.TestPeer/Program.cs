// Leaves a segment behind the way a crashed or careless process does, for the shmgen tool tests:
//   create NAME        creates the segment and exits without unlinking it (a dead creator, no users left)
//   die-holding NAME   creates it, takes the lock and exits holding it (the kernel marks the robust lock abandoned)
//   die-holding-unrepairable NAME   the same, with data the repair hook refuses (ToolTestData.Unrepairable)
using System;
using ShmGen;
using ShmGen.Tool.Tests;

if (args is not [var command, var name])
{
    Console.Error.WriteLine("usage: ShmGen.Tool.TestPeer create|die-holding|die-holding-unrepairable NAME");
    return 2;
}

var segment = ToolTestDataSegment.Create(new SegmentOptions { Name = name });
using (var guard = segment.Lock(TimeSpan.FromSeconds(10)))
{
    guard.Counter = 42;
    guard.Last.Sensor = 7;
    if (command == "die-holding-unrepairable")
    {
        guard.Flags = ToolTestData.Unrepairable;
    }

    if (command.StartsWith("die-holding", StringComparison.Ordinal))
    {
        Console.Out.Flush();

        // Exit with the Guard undisposed: no unlock runs, the thread dies holding the lock.
        Environment.Exit(0);
    }
}

// Neither Dispose nor Unlink: the process exit unmaps, the name stays.
return command == "create" ? 0 : 2;
