using System;
using ShmGen.Runtime;

namespace ShmGen.Tests;

/// <summary>The one errno-to-exception table: each errno becomes the type DESIGN §3 names, with the name and the call.</summary>
public sealed class ErrnoMappingTests
{
    [Theory]
    [InlineData(2, typeof(SegmentNotFoundException))]
    [InlineData(13, typeof(UnauthorizedAccessException))]
    [InlineData(1, typeof(UnauthorizedAccessException))]
    [InlineData(40, typeof(UnauthorizedAccessException))]
    [InlineData(28, typeof(OutOfSharedMemoryException))]
    [InlineData(122, typeof(OutOfSharedMemoryException))]
    [InlineData(12, typeof(OutOfSharedMemoryException))]
    [InlineData(24, typeof(SharedSegmentException))]
    [InlineData(23, typeof(SharedSegmentException))]
    [InlineData(5, typeof(SharedSegmentException))]
    [InlineData(21, typeof(UnauthorizedAccessException))]
    [InlineData(6, typeof(UnauthorizedAccessException))]
    public void Each_errno_maps_to_the_contract_type_and_names_segment_and_call(int errno, Type expected)
    {
        var error = SegmentErrors.FromErrno("orders", "mmap", errno);

        Assert.IsType(expected, error);
        Assert.Contains("'/orders'", error.Message, StringComparison.Ordinal);
        Assert.Contains("mmap", error.Message, StringComparison.Ordinal);
        if (error is SharedSegmentException shared)
        {
            Assert.Equal("orders", shared.SegmentName);
            Assert.Equal(errno, shared.ErrorNumber);
        }
    }

    [Fact]
    public void The_runtimes_errno_constants_are_Tmds_LibCs_values()
    {
        foreach (var field in typeof(ShmGen.Native.Errno).GetFields())
        {
            var tmds = typeof(Tmds.Linux.LibC).GetProperty(field.Name)?.GetValue(null);
            Assert.True(tmds is not null, $"Tmds.LibC has no {field.Name}");
            Assert.Equal(tmds, field.GetValue(null));
        }
    }

    [Fact]
    public void Every_ShmGen_exception_is_an_IOException_with_the_segment_name()
    {
        Assert.IsAssignableFrom<System.IO.IOException>(new SegmentCorruptedException("x", "m"));
        Assert.IsAssignableFrom<SharedSegmentException>(new SegmentLayoutMismatchException("x", "m", 1, 2));
        Assert.IsAssignableFrom<SharedSegmentException>(new SegmentNotInitializedException("x", "m"));
        Assert.Null(new SegmentCorruptedException("x", "m").ErrorNumber);
    }
}
