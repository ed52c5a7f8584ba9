using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.Authentication.Internal;
using TelemetryHosting.Tests.TestSupport;
using Xunit.Abstractions;

namespace TelemetryHosting.Tests.Authentication;

/// <summary>Runs alone: it measures the process's allocations, which tests running beside it would add to.</summary>
[CollectionDefinition(nameof(AllocationMeasuringCollection), DisableParallelization = true)]
public sealed class AllocationMeasuringCollection;

/// <summary>What the token client does with token responses that are too large or whose lifetime makes no sense.</summary>
[Collection(nameof(AllocationMeasuringCollection))]
public sealed class TokenResponseBoundsTests(ITestOutputHelper output)
{
    private const long StreamedBytes = 600L * 1024 * 1024;

    [Theory]
    [InlineData(StatusCodes.Status200OK, true)]
    [InlineData(StatusCodes.Status503ServiceUnavailable, false)]
    public async Task RequestTokenAsync_EndpointStreams600MiB_StopsReadingAfter64KiBAndFailsClearly(int status, bool refused)
    {
        // A plain TCP listener, so that what it managed to write is what the kernel accepted: it stops once the client
        // has closed the connection and the socket buffers are full (an HTTP server would discard writes quietly).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = StreamEndlessAnswerAsync(listener, status);
        using var services = Services(new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/"));
        var client = services.GetRequiredService<SamsTokenClient>();

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var exception = await Assert.ThrowsAsync<SamsTokenException>(() => client.RequestTokenAsync(CancellationToken.None));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var written = await server.WaitAsync(Eventually.Timeout);
        output.WriteLine($"HTTP {status}: the process allocated {allocated / 1024.0 / 1024.0:F1} MiB; the server wrote {written / 1024.0 / 1024.0:F1} MiB.");

        Assert.Equal(refused ? SamsTokenFailure.Refused : SamsTokenFailure.Unavailable, exception.Failure);
        Assert.Contains($"HTTP {status}", exception.Message, StringComparison.Ordinal);
        if (refused)
        {
            Assert.Contains("over 64 KiB", exception.Message, StringComparison.Ordinal);
        }

        // Loopback socket buffers hold a few MiB at most; the body itself is never read past 64 KiB.
        Assert.True(written < 32L * 1024 * 1024, $"The server wrote {written} bytes before the client stopped reading.");
        Assert.True(allocated < 32L * 1024 * 1024, $"The process allocated {allocated} bytes during the token request.");
    }

    /// <summary>Answers one request with <paramref name="status"/> and a body of up to 600 MiB; returns how much it wrote.</summary>
    private static async Task<long> StreamEndlessAnswerAsync(TcpListener listener, int status)
    {
        using var socket = await listener.AcceptSocketAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Answer\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"));
        var chunk = new byte[64 * 1024];
        chunk.AsSpan().Fill((byte)' ');
        long written = 0;
        try
        {
            while (written < StreamedBytes)
            {
                await stream.WriteAsync(chunk);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            // The client closed the connection.
        }

        return written;
    }

    [Fact]
    public async Task RequestTokenAsync_ContentLengthOver64KiB_FailsWithoutReadingTheBody()
    {
        await using var endpoint = await LoopbackHttpServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 100_000;
            await context.Response.Body.WriteAsync(new byte[100_000].AsMemory(), context.RequestAborted);
        });
        using var services = Services(endpoint.Address);

        var exception = await Assert.ThrowsAsync<SamsTokenException>(() => services.GetRequiredService<SamsTokenClient>().RequestTokenAsync(CancellationToken.None));

        Assert.Equal(SamsTokenFailure.Refused, exception.Failure);
        Assert.Contains("over 64 KiB", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestTokenAsync_ResponseJustUnder64KiB_IsRead()
    {
        var padding = new string('x', (64 * 1024) - 200);
        await using var endpoint = await LoopbackHttpServer.StartAsync(context =>
            context.Response.WriteAsJsonAsync(new { access_token = "sams_at_bounds", token_type = "bearer", expires_in = 3600, padding }));
        using var services = Services(endpoint.Address);

        var token = await services.GetRequiredService<SamsTokenClient>().RequestTokenAsync(CancellationToken.None);

        Assert.Equal("sams_at_bounds", token.Value);
    }

    [Theory]
    [InlineData("3600", 3600)]
    [InlineData("\"3600\"", 3600)]
    [InlineData("86400", 86400)]
    [InlineData("86401", 86400)]
    [InlineData("300000000000", 86400)]
    [InlineData("1000000000000000", 86400)]
    [InlineData("9223372036854775807", 86400)]
    [InlineData("1e30", 86400)]
    [InlineData("null", 300)]
    [InlineData(null, 300)]
    public async Task RequestTokenAsync_ExpiresIn_IsClampedTo24Hours(string? expiresIn, int expectedSeconds)
    {
        await using var endpoint = await TokenEndpointAsync(expiresIn);
        using var services = Services(endpoint.Address);

        var token = await services.GetRequiredService<SamsTokenClient>().RequestTokenAsync(CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), token.Lifetime);
        Assert.True(token.RenewAfter > TimeSpan.Zero && token.RenewAfter < token.Lifetime);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-5", "-5")]
    [InlineData("\"-5\"", "-5")]
    [InlineData("-1e300", "-1e300")]
    [InlineData("1e400", "1e400")]
    [InlineData("\"soon\"", "soon")]
    [InlineData("true", "true")]
    [InlineData("{}", "{}")]
    [InlineData("1e-300", "1e-300")]
    [InlineData("0.5", "0.5")]
    public async Task RequestTokenAsync_ExpiresInNotPositiveOrNotANumber_IsAClearRefusal(string expiresIn, string named)
    {
        await using var endpoint = await TokenEndpointAsync(expiresIn);
        using var services = Services(endpoint.Address);

        var exception = await Assert.ThrowsAsync<SamsTokenException>(() => services.GetRequiredService<SamsTokenClient>().RequestTokenAsync(CancellationToken.None));

        Assert.Equal(SamsTokenFailure.Refused, exception.Failure);
        Assert.Contains($"expires_in {named}", exception.Message, StringComparison.Ordinal);
        Assert.Null(exception.InnerException);
    }

    private static Task<LoopbackHttpServer> TokenEndpointAsync(string? expiresIn) =>
        LoopbackHttpServer.StartAsync(context =>
        {
            context.Response.ContentType = "application/json";
            var lifetime = expiresIn is null ? string.Empty : $",\"expires_in\":{expiresIn}";
            return context.Response.WriteAsync($"{{\"access_token\":\"sams_at_lifetime\",\"token_type\":\"bearer\"{lifetime}}}");
        });

    private static ServiceProvider Services(Uri samsUrl)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTelemetryGateway(options =>
        {
            options.ServiceId = "test-service";
            options.Endpoint = new Uri("http://127.0.0.1:1");
            options.Sams.Url = samsUrl;
            options.Sams.ClientId = "sams_cid_bounds";
            options.Sams.ClientSecret = "sams_cs_bounds_secret_0123456789";
        });
        return services.BuildServiceProvider();
    }
}
