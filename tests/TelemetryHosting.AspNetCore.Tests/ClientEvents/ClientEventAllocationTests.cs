using System.Net;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>Tests that measure the process's allocations: they run alone, so that no other test's allocations count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurement
{
    public const string Name = "Allocation measurement";
}

/// <summary>
/// Found by review of the System.Text.Json parser: a body of many tiny events was built event by event (73× its size)
/// before its count was checked.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public sealed class ClientEventAllocationTests
{
    // The old reader refused the 101st event before reading it; the new parser materializes every event of the body
    // (one cloned JsonDocument each) before comparing the count with MaxEventsPerRequest.
    [Fact]
    public async Task Post_BodyOfManyEmptyEvents_AllocatesLittleMoreThanTheBody()
    {
        await using var app = await ClientEventsApp.StartAsync();
        var body = "{\"events\":[" + string.Join(",", Enumerable.Repeat("{}", (256 * 1024 - 20) / 3)) + "]}";
        using (var warm = await app.PostAsync(body))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, warm.StatusCode);
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await app.PostAsync(body);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.True(allocated < 4L * body.Length, $"allocated {allocated:N0} bytes for a {body.Length:N0}-byte body");
    }
}
