namespace TelemetryHosting.Configuration.Internal;

/// <summary>
/// The connection string an Aspire AppHost passes for the development gateway:
/// <c>Endpoint={gateway URL};SamsUrl={SAMS URL};ClientId={id};ClientSecret={secret}</c>. Keys are case-insensitive and
/// each is optional (<c>ClientId</c> and <c>ClientSecret</c> both or neither); values cannot hold <c>;</c> (there is no quoting). Error messages name positions and known keys
/// only, never text from the string: a value may be the client secret, and a secret holding <c>;</c> splits into parts.
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
        // Error messages name a part's position or a known key, never text from the string: a secret holding ';'
        // splits into parts whose "keys" are pieces of it.
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var parts = text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (var index = 0; index < parts.Length; index++)
        {
            var part = parts[index];
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                error = $"part {index + 1} must have the form key=value.";
                return null;
            }

            var key = Array.Find(s_keys, known => string.Equals(known, part[..equals].Trim(), StringComparison.OrdinalIgnoreCase));
            if (key is null)
            {
                error = $"part {index + 1} has an unknown key (the keys are {string.Join(", ", s_keys)}).";
                return null;
            }

            var value = part[(equals + 1)..].Trim();
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

        // Half a credential pair would combine with the section's other half: one client's id with another's secret.
        if (values.ContainsKey(ClientIdKey) != values.ContainsKey(ClientSecretKey))
        {
            error = $"'{ClientIdKey}' and '{ClientSecretKey}' go together: give both or neither.";
            return null;
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

        // The value is not quoted: an address may carry credentials (http://user:password@host).
        error = $"'{key}' must be an absolute http or https address.";
        return null;
    }
}
