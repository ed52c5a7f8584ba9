using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>The browser exporter's script as <c>MapTelemetryExporterScript</c> serves it, over real HTTP on a loopback port.</summary>
public sealed class ExporterScriptTests : IAsyncLifetime
{
    private const string Path = "/telemetry/exporter.js";
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapTelemetryExporterScript(Path);
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Get_Script_IsTheRepositoryFileAsJavaScriptWithValidatorAndNoSniff()
    {
        using var response = await _client.GetAsync(Path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(TimeSpan.FromHours(1), response.Headers.CacheControl?.MaxAge);
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.False(response.Headers.ETag!.IsWeak);
        var served = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(await File.ReadAllBytesAsync(RepositoryFile("src/js/telemetryhosting-exporter/exporter.js")), served);
        Assert.Equal(served.Length, response.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Get_IfNoneMatchWithTheETag_Answers304WithoutBody(bool weakened)
    {
        using var first = await _client.GetAsync(Path);
        var etag = first.Headers.ETag!;
        using var request = new HttpRequestMessage(HttpMethod.Get, Path);
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\""));
        request.Headers.IfNoneMatch.Add(weakened ? new EntityTagHeaderValue(etag.Tag, isWeak: true) : etag);

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal(etag, response.Headers.ETag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_IfNoneMatchWithAnotherETag_AnswersTheScript()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Path);
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"0000\""));

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("export class TelemetryHostingExporter", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_Script_AnswersHeadersWithoutBody()
    {
        using var get = await _client.GetAsync(Path);
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(get.Headers.ETag, response.Headers.ETag);
        Assert.Equal(get.Content.Headers.ContentLength, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Post_Script_IsNotServed()
    {
        using var response = await _client.PostAsync(Path, new StringContent(""));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    private static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "TelemetryHosting.sln")))
            {
                return System.IO.Path.Combine(directory.FullName, relative);
            }
        }

        throw new InvalidOperationException("The repository root (TelemetryHosting.sln) is not above " + AppContext.BaseDirectory);
    }
}
