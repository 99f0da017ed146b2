using System.Globalization;
using MySqlHa.Agent.Configuration;

namespace MySqlHa.Agent.Commands;

/// <summary>
/// Every command carries the issuing controller's fencing token (its etcd leadership revision) in the
/// X-Fencing-Token header. The agent remembers the newest token it has seen (in its state file, across restarts)
/// and refuses older ones, so a deposed controller that still believes it leads cannot act.
/// </summary>
internal sealed class FencingGuard : IEndpointFilter
{
    public const string Header = "X-Fencing-Token";
    private readonly Lock _lock = new();
    private readonly string? _stateFile;
    private long _newest;

    public FencingGuard(AgentSettings settings)
    {
        _stateFile = settings.StateFile;
        if (_stateFile is not null && File.Exists(_stateFile))
            _newest = long.Parse(File.ReadAllText(_stateFile).Trim(), CultureInfo.InvariantCulture);
    }

    public long Newest
    {
        get { lock (_lock) return _newest; }
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!long.TryParse(context.HttpContext.Request.Headers[Header], NumberStyles.None, CultureInfo.InvariantCulture, out var token) || token <= 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"The {Header} header is required.",
                detail: "Send the controller's leadership revision as a positive integer.");
        lock (_lock)
        {
            if (token < _newest)
            {
                AgentMetrics.Commands.WithLabels(context.HttpContext.Request.Path.Value ?? "", "stale-fencing-token").Inc();
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Stale fencing token.",
                    detail: $"Token {token} is older than {_newest}, which a newer controller has used: the sender no longer leads.",
                    extensions: new Dictionary<string, object?> { ["newestFencingToken"] = _newest });
            }
            if (token > _newest)
            {
                _newest = token;
                AgentMetrics.NewestFencingToken.Set(token);
                if (_stateFile is not null) Persist(token);
            }
        }
        return await next(context);
    }

    private void Persist(long token)
    {
        var temporary = _stateFile + ".tmp";
        File.WriteAllText(temporary, token.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, _stateFile!, overwrite: true);
    }
}
