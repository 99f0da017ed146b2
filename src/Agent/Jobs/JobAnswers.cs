using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Jobs;

/// <summary>How a job is answered: 202 while it runs, 200 once it ended; refusals as RFC 7807 problems.</summary>
internal static class JobAnswers
{
    public static IResult Of(AgentJob job) =>
        job.State == AgentJobState.Running ? TypedResults.Accepted($"/jobs/{Uri.EscapeDataString(job.CommandId)}", job) : TypedResults.Ok(job);

    public static IResult Of(JobStart start) =>
        start.Refusal is { } refusal ? TypedResults.Problem(statusCode: refusal.Status, title: refusal.Title, detail: refusal.Detail) : Of(start.Job!);

    public static IResult Invalid(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The job request is not valid.", detail: detail);

    public static IResult Unavailable(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The agent runs no such jobs.", detail: detail);
}
