using System.Text;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents.Fuzz;

/// <summary>
/// The fuzz generator's own JSON tree: what it renders is known, so the reference predicate judges the tree, not text.
/// A string's <see cref="FuzzString.Text"/> is <see langword="null"/> when its escapes do not decode (a lone surrogate).
/// </summary>
internal abstract record FuzzJson
{
    public abstract void Render(StringBuilder json);

    public sealed override string ToString()
    {
        var json = new StringBuilder();
        Render(json);
        return json.ToString();
    }
}

internal sealed record FuzzString(string Escaped, string? Text) : FuzzJson
{
    /// <summary>A string holding <paramref name="text"/>, escaped as JSON requires (a GraphQL document, say).</summary>
    public static FuzzString Of(string text) => new(System.Text.Json.JsonSerializer.Serialize(text)[1..^1], text);

    public override void Render(StringBuilder json) => json.Append('"').Append(Escaped).Append('"');
}

/// <summary>A number token; <see cref="Finite"/> when it fits a double.</summary>
internal sealed record FuzzNumber(string Token, bool Finite) : FuzzJson
{
    public override void Render(StringBuilder json) => json.Append(Token);
}

/// <summary><c>true</c>, <c>false</c> or <c>null</c>.</summary>
internal sealed record FuzzLiteral(string Token) : FuzzJson
{
    public bool IsNull => Token == "null";

    public override void Render(StringBuilder json) => json.Append(Token);
}

/// <summary>Text that is not JSON (NaN, a leading zero, single quotes): the whole body is then malformed.</summary>
internal sealed record FuzzRaw(string Token) : FuzzJson
{
    public override void Render(StringBuilder json) => json.Append(Token);
}

internal sealed record FuzzArray(List<FuzzJson> Items) : FuzzJson
{
    public override void Render(StringBuilder json)
    {
        json.Append('[');
        for (var i = 0; i < Items.Count; i++)
        {
            json.Append(i == 0 ? string.Empty : ", ");
            Items[i].Render(json);
        }

        json.Append(']');
    }
}

internal sealed record FuzzObject(List<(FuzzString Key, FuzzJson Value)> Properties) : FuzzJson
{
    public override void Render(StringBuilder json)
    {
        json.Append('{');
        for (var i = 0; i < Properties.Count; i++)
        {
            json.Append(i == 0 ? string.Empty : ", ");
            Properties[i].Key.Render(json);
            json.Append(": ");
            Properties[i].Value.Render(json);
        }

        json.Append('}');
    }

    public bool HasRaw() => Properties.Any(property => ContainsRaw(property.Value));

    public static bool ContainsRaw(FuzzJson node) => node switch
    {
        FuzzRaw => true,
        FuzzArray array => array.Items.Any(ContainsRaw),
        FuzzObject obj => obj.HasRaw(),
        _ => false,
    };
}
