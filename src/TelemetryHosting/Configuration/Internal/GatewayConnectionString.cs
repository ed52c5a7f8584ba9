namespace TelemetryHosting.Configuration.Internal;

/// <summary>
/// The connection string an Aspire AppHost passes for the development gateway:
/// <c>Endpoint={gateway URL};SamsUrl={SAMS URL};ClientId={id};ClientSecret={secret}</c>. Keys are case-insensitive and
/// each is optional; values cannot hold <c>;</c>. Error messages never quote a value: one may be the client secret.
/// </summary>
internal sealed class GatewayConnectionString
{
    public const string EndpointKey = "Endpoint";
    public const string SamsUrlKey = "SamsUrl";
    public const string ClientIdKey = "ClientId";
    public const string ClientSecretKey = "ClientSecret";

    private static readonly string[] s_keys = [EndpointKey, SamsUrlKey, ClientIdKey, ClientSecretKey];

    public Uri? Endpoint { get; private init; }

    public Uri? SamsUrl { get; private init; }

    public string? ClientId { get; private init; }

    public string? ClientSecret { get; private init; }

    /// <summary>Reads <paramref name="text"/>, or says in <paramref name="error"/> what is wrong with it.</summary>
    public static GatewayConnectionString? Parse(string text, out string? error)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals].Trim();
            if (!s_keys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                // The key is not a value, but a part without '=' may be one (a secret pasted alone): name its position only.
                error = equals < 0
                    ? "every part must have the form key=value."
                    : $"unknown key '{key}' (the keys are {string.Join(", ", s_keys)}).";
                return null;
            }

            var value = equals < 0 ? string.Empty : part[(equals + 1)..].Trim();
            if (value.Length == 0)
            {
                error = $"'{key}' has no value.";
                return null;
            }

            if (!values.TryAdd(key, value))
            {
                error = $"'{key}' is given more than once.";
                return null;
            }
        }

        var endpoint = ReadAddress(values, EndpointKey, out error);
        var samsUrl = error is null ? ReadAddress(values, SamsUrlKey, out error) : null;
        return error is not null ? null : new GatewayConnectionString
        {
            Endpoint = endpoint,
            SamsUrl = samsUrl,
            ClientId = values.GetValueOrDefault(ClientIdKey),
            ClientSecret = values.GetValueOrDefault(ClientSecretKey),
        };
    }

    private static Uri? ReadAddress(Dictionary<string, string> values, string key, out string? error)
    {
        error = null;
        if (!values.TryGetValue(key, out var value))
        {
            return null;
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out var address) && (address.Scheme == Uri.UriSchemeHttp || address.Scheme == Uri.UriSchemeHttps))
        {
            return address;
        }

        error = $"'{key}' must be an absolute http or https address, but is '{value}'.";
        return null;
    }
}
