using Wolverine;

namespace MySqlHa.Tests.Persistence;

// A deliberately small saga used to prove the saga machinery itself (storage in Marten, correlation, durable
// scheduled messages, completion) independently of any procedure of ours.
public sealed record StartCountdown(Guid CountdownId, int From);

public sealed record Tick(Guid CountdownId, string By);

public sealed class Countdown : Saga
{
    public Guid Id { get; set; }

    public int Remaining { get; set; }

    public List<string> TickedBy { get; set; } = [];

    public static Countdown Start(StartCountdown start) => new() { Id = start.CountdownId, Remaining = start.From };

    public void Handle(Tick tick)
    {
        Remaining--;
        TickedBy.Add(tick.By);
        if (Remaining == 0) MarkCompleted();
    }
}
