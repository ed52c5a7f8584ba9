using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>How the endpoint reads a body: as it arrives, and, when the host decompresses requests, limited by its decompressed size.</summary>
public sealed class ClientEventBodyTests
{
    [Fact]
    public async Task Post_GzipBodyWithinLimitOnceDecompressed_IsRecorded()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxBodyBytes = 4096, decompressRequests: true);

        using var response = await PostGzipAsync(app, ClientEventEndpointTests.Batch(20));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(20, app.Recorder.Events.Count);
    }

    [Fact]
    public async Task Post_SmallGzipBodyOverLimitOnceDecompressed_Returns413()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxBodyBytes = 1024, decompressRequests: true);
        var json = ClientEventEndpointTests.Batch(100);

        using var response = await PostGzipAsync(app, json);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await ClientEventsApp.ReadJsonAsync(response);
        Assert.Equal("The request body is larger than 1024 bytes; send fewer or smaller events per request.", problem.GetProperty("detail").GetString());
        Assert.Empty(app.Recorder.Events);
    }

    [Fact]
    public async Task Post_GzipBodyThatDoesNotDecompress_Returns400()
    {
        await using var app = await ClientEventsApp.StartAsync(decompressRequests: true);
        using var request = new HttpRequestMessage(HttpMethod.Post, ClientEventsApp.Path) { Content = new ByteArrayContent([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.Add(TestUserAuthenticationHandler.Header, "sams-user-1");

        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("The request body could not be read.", (await ClientEventsApp.ReadJsonAsync(response)).GetProperty("title").GetString());
        Assert.Empty(app.Recorder.Events);
    }

    [Fact]
    public async Task Post_BodyArrivingInSmallPieces_IsRecorded()
    {
        await using var app = await ClientEventsApp.StartAsync();
        var body = Encoding.UTF8.GetBytes(ClientEventEndpointTests.Batch(50));
        using var request = new HttpRequestMessage(HttpMethod.Post, ClientEventsApp.Path) { Content = new StreamContent(new MemoryStream(body), bufferSize: 7) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add(TestUserAuthenticationHandler.Header, "sams-user-1");

        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(50, app.Recorder.Events.Count);
    }

    private static async Task<HttpResponseMessage> PostGzipAsync(ClientEventsApp app, string json)
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(json));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, ClientEventsApp.Path) { Content = new ByteArrayContent(compressed.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.Add(TestUserAuthenticationHandler.Header, "sams-user-1");
        Assert.True(compressed.Length < 1024, $"the compressed body is {compressed.Length} bytes");
        return await app.Client.SendAsync(request);
    }
}
