using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>
/// The ping-pong message: a byte pattern with the round-trip number in the first and the last 8 bytes (the same 8 bytes
/// when the message is 8 long), so the receiver can tell that the whole message arrived, not a stale or torn one.
/// </summary>
internal static class Message
{
    public const int MinimumSize = 8;

    public static byte[] Create(int size)
    {
        var message = new byte[size];
        for (var i = 0; i < size; i++)
        {
            message[i] = (byte)((i * 31) + 7);
        }

        return message;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Stamp(byte[] message, long sequence)
    {
        BinaryPrimitives.WriteInt64LittleEndian(message, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(message.Length - 8), sequence);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Verify(byte[] message, long sequence, string mechanism)
    {
        var head = BinaryPrimitives.ReadInt64LittleEndian(message);
        var tail = BinaryPrimitives.ReadInt64LittleEndian(message.AsSpan(message.Length - 8));
        if (head != sequence || tail != sequence)
        {
            throw new InvalidOperationException(
                $"{mechanism}: expected message {sequence} of {message.Length} bytes, got head {head} and tail {tail}");
        }
    }
}
