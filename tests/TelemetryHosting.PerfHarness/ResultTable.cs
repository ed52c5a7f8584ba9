namespace TelemetryHosting.PerfHarness;

/// <summary>The rows the harness prints at the end, as a Markdown table.</summary>
internal sealed class ResultTable
{
    private readonly List<(string Scenario, string Measure, string Value)> _rows = [];

    public void Add(string scenario, string measure, string value)
    {
        _rows.Add((scenario, measure, value));
        Console.WriteLine($"  {scenario} | {measure} | {value}");
    }

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine("| Scenario | Measure | Value |");
        Console.WriteLine("|---|---|---|");
        foreach (var (scenario, measure, value) in _rows)
        {
            Console.WriteLine($"| {scenario} | {measure} | {value} |");
        }
    }
}
