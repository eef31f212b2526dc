using System;
using System.IO;
using CsCheck;
using ShmGen.Testing;

namespace ShmGen.Tests;

/// <summary>
/// Random damage to a real segment's bytes: every attach ends in a typed exception or a valid segment — never a crash,
/// a hang or a write — and the file's bytes are exactly what they were.
/// </summary>
public sealed class HeaderFuzzTests
{
    private static readonly int s_iterations = int.TryParse(Environment.GetEnvironmentVariable("SHMGEN_FUZZ_ITERATIONS"), out var n) ? n : 1500;

    [Fact]
    public void Mutating_any_header_field_or_byte_never_crashes_and_never_writes()
    {
        using var scratch = new ScratchSegment();
        using (CounterSegment.Create(scratch.Options))
        {
        }

        var pristine = File.ReadAllBytes(scratch.Path);
        var fields = new[] { 0, 8, 12, 16, 24, 32, 40, 48, 52, 56, 128, 132, 256 };
        var mutation = Gen.OneOf(
            // A whole header field (or the description length) overwritten with an arbitrary 64-bit value.
            Gen.Select(Gen.OneOfConst(fields), Gen.ULong).Select(t => (Offset: t.Item1, Bytes: BitConverter.GetBytes(t.Item2))),
            // One to eight random bytes anywhere in the file.
            Gen.Select(Gen.Int[0, pristine.Length - 1], Gen.Byte.Array[1, 8]).Select(t => (Offset: t.Item1, Bytes: t.Item2)));

        mutation.Sample(
            m =>
            {
                var damaged = (byte[])pristine.Clone();
                var length = Math.Min(m.Bytes.Length, damaged.Length - m.Offset);
                Array.Copy(m.Bytes, 0, damaged, m.Offset, length);
                AttachLeavesBytesAlone(scratch, damaged);
            },
            iter: s_iterations,
            threads: 1); // every iteration reuses one file
    }

    [Fact]
    public void Truncating_to_any_length_gives_SegmentCorrupted_or_NotInitialized()
    {
        using var scratch = new ScratchSegment();
        using (CounterSegment.Create(scratch.Options))
        {
        }

        var pristine = File.ReadAllBytes(scratch.Path);
        Gen.Int[0, pristine.Length - 1].Sample(
            length =>
            {
                var error = AttachLeavesBytesAlone(scratch, pristine.AsSpan(0, length).ToArray());
                Assert.True(error is SegmentCorruptedException or SegmentNotInitializedException, error?.GetType().Name ?? "opened");
            },
            iter: Math.Max(50, s_iterations / 10),
            threads: 1);
    }

    private static Exception? AttachLeavesBytesAlone(ScratchSegment scratch, byte[] bytes)
    {
        File.Delete(scratch.Path);
        File.WriteAllBytes(scratch.Path, bytes);
        File.SetUnixFileMode(scratch.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Exception? error = null;
        try
        {
            using var segment = CounterSegment.Open(new SegmentOptions { Name = scratch.Name, OpenTimeout = TimeSpan.FromMilliseconds(20) });
            _ = segment.Data.Value;
        }
        catch (SharedSegmentException exception)
        {
            error = exception;
        }

        Assert.Equal(bytes, File.ReadAllBytes(scratch.Path));
        return error;
    }
}
