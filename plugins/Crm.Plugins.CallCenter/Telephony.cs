using System.Collections.Concurrent;
using System.Globalization;

namespace Crm.Plugins.CallCenter;

/// <summary>What happened to a call in the telephony system.</summary>
public enum TelephonyEventKind
{
    /// <summary>A call comes in (it rings on the hotline).</summary>
    Incoming = 0,

    /// <summary>An agent picked the call up.</summary>
    Answered = 1,

    /// <summary>The call ended: after an answer it is completed, before one it is abandoned.</summary>
    Ended = 2,

    /// <summary>The caller hung up before an answer (when the telephony system tells this apart from <see cref="Ended"/>).</summary>
    Abandoned = 3,
}

/// <summary>A call event as a telephony adapter reports it.</summary>
/// <param name="TenantId">The tenant the call belongs to (the adapter maps its lines or accounts to tenants).</param>
/// <param name="Adapter">The adapter's name (<see cref="ITelephonyAdapter.Name"/>).</param>
/// <param name="ExternalCallId">The telephony system's id of the call (e.g. a Twilio CallSid or a SIP Call-ID).</param>
/// <param name="Kind">What happened.</param>
public sealed record TelephonyEvent(string TenantId, string Adapter, string ExternalCallId, TelephonyEventKind Kind)
{
    /// <summary>The calling number (<see cref="TelephonyEventKind.Incoming"/>), or <see langword="null"/> when withheld.</summary>
    public string? From { get; init; }

    /// <summary>The number dialled (<see cref="TelephonyEventKind.Incoming"/>).</summary>
    public string? To { get; init; }

    /// <summary>Who answered (<see cref="TelephonyEventKind.Answered"/>): the CRM user id, or the telephony system's agent id.</summary>
    public string? AgentUserId { get; init; }

    /// <summary>A queue to route an incoming call to (e.g. from the IVR's menu choice), or <see langword="null"/> to leave routing to the rule packs.</summary>
    public string? Queue { get; init; }

    /// <summary>A skill the call needs (with <see cref="Queue"/>).</summary>
    public string? Skill { get; init; }

    /// <summary>A language the call needs (with <see cref="Queue"/>).</summary>
    public string? Language { get; init; }
}

/// <summary>What the call center made of a telephony event.</summary>
/// <param name="CallId">The call record.</param>
/// <param name="Status">The call's status afterwards (<see cref="CallStatus"/>).</param>
/// <param name="Duplicate">Whether the event was already applied (a redelivered webhook): nothing changed.</param>
/// <param name="ScreenPop">The screen pop of an incoming call (as the system context sees it), else <see langword="null"/>.</param>
public sealed record TelephonyEventResult(Guid CallId, string Status, bool Duplicate, ScreenPop? ScreenPop);

/// <summary>
/// Where telephony adapters report call events: the call center (<see cref="ICallCenter.Telephony"/>). Handling is
/// idempotent: an incoming call whose external id is known returns the existing call, and an event the call is already
/// past (e.g. a second hang-up) changes nothing, so a webhook may be delivered more than once.
/// </summary>
public interface ITelephonyEventSink
{
    /// <summary>Applies a call event in the event's tenant (as the system context, source <c>telephony:&lt;adapter&gt;</c>).</summary>
    /// <param name="telephonyEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The call and its status.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmNotFoundException">An event other than <see cref="TelephonyEventKind.Incoming"/> names an unknown call.</exception>
    Task<TelephonyEventResult> PublishAsync(TelephonyEvent telephonyEvent, CancellationToken cancellationToken = default);
}

/// <summary>
/// A telephony integration (a PBX, SIP server, CTI system or a cloud service such as Twilio) that feeds call events into
/// the call center. An adapter can ship as a plugin of its own: it registers itself in the services and the host
/// connects it with <see cref="ICallCenter.ConnectAsync"/>, which hands it the <see cref="ITelephonyEventSink"/>. A
/// webhook adapter keeps the sink and calls it from its HTTP endpoint; a SIP or CTI adapter subscribes to its server's
/// event stream in <see cref="ConnectAsync"/> and translates each event.
/// </summary>
public interface ITelephonyAdapter
{
    /// <summary>The adapter's name, recorded on the calls it reports (e.g. <c>simulated</c>, <c>twilio</c>).</summary>
    string Name { get; }

    /// <summary>Starts reporting call events to the sink.</summary>
    /// <param name="sink">Where to report events.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the adapter is connected.</returns>
    Task ConnectAsync(ITelephonyEventSink sink, CancellationToken cancellationToken = default);
}

/// <summary>
/// A telephony adapter without a telephone system, for samples and tests: ring a line, answer and hang up by code.
/// Connect it with <see cref="ICallCenter.ConnectAsync"/> before use.
/// </summary>
public sealed class SimulatedTelephony : ITelephonyAdapter
{
    private readonly ConcurrentDictionary<Guid, (string TenantId, string ExternalCallId)> _calls = new();
    private ITelephonyEventSink? _sink;
    private long _sequence;

    /// <summary>The adapter's name: <c>simulated</c>.</summary>
    public string Name => "simulated";

    /// <summary>The screen pop of the last call that rang (as the system context sees it).</summary>
    public ScreenPop? LastScreenPop { get; private set; }

    /// <inheritdoc />
    public Task ConnectAsync(ITelephonyEventSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
        return Task.CompletedTask;
    }

    /// <summary>A call comes in on a line.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="from">The calling number, or <see langword="null"/> when withheld.</param>
    /// <param name="to">The line dialled.</param>
    /// <param name="queue">A queue to route the call to (an IVR choice), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The call record's id.</returns>
    public async Task<Guid> RingAsync(string tenantId, string? from, string? to, string? queue = null, CancellationToken cancellationToken = default)
    {
        var externalId = string.Create(CultureInfo.InvariantCulture, $"sim-{Interlocked.Increment(ref _sequence)}");
        var result = await Sink.PublishAsync(
            new TelephonyEvent(tenantId, Name, externalId, TelephonyEventKind.Incoming) { From = from, To = to, Queue = queue },
            cancellationToken).ConfigureAwait(false);
        _calls[result.CallId] = (tenantId, externalId);
        LastScreenPop = result.ScreenPop;
        return result.CallId;
    }

    /// <summary>An agent picks the call up.</summary>
    /// <param name="callId">The call record's id (from <see cref="RingAsync"/>).</param>
    /// <param name="agentUserId">The agent.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What the call center made of it.</returns>
    public Task<TelephonyEventResult> AnswerAsync(Guid callId, string agentUserId, CancellationToken cancellationToken = default)
    {
        var (tenantId, externalId) = Known(callId);
        return Sink.PublishAsync(new TelephonyEvent(tenantId, Name, externalId, TelephonyEventKind.Answered) { AgentUserId = agentUserId }, cancellationToken);
    }

    /// <summary>Someone hangs up: an answered call is completed, an unanswered one abandoned.</summary>
    /// <param name="callId">The call record's id (from <see cref="RingAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What the call center made of it.</returns>
    public Task<TelephonyEventResult> HangUpAsync(Guid callId, CancellationToken cancellationToken = default)
    {
        var (tenantId, externalId) = Known(callId);
        return Sink.PublishAsync(new TelephonyEvent(tenantId, Name, externalId, TelephonyEventKind.Ended), cancellationToken);
    }

    private ITelephonyEventSink Sink => _sink ?? throw new InvalidOperationException("The simulated telephony is not connected: call ICallCenter.ConnectAsync(adapter) first.");

    private (string TenantId, string ExternalCallId) Known(Guid callId) =>
        _calls.TryGetValue(callId, out var call) ? call : throw new ArgumentException($"Call {callId} did not ring on this simulated telephony.", nameof(callId));
}
