namespace Crm.Engine.Rules.Rete;

/// <summary>End of a branch: one activation per complete token, kept on the token (or, when the token's state is taken, in the session's node memory).</summary>
internal sealed class TerminalNode(int nodeId, CompiledBranch branch) : ILeftSink
{
    public CompiledBranch Branch { get; } = branch;

    public void LeftAssert(Session session, Token token)
    {
        var activation = Session.CreateActivation(Branch, token);
        session.TokenStateSet(nodeId, token, activation);
        session.OnActivationCreated(activation);
    }

    public void LeftUpdate(Session session, Token token)
    {
        if (session.TokenStateTryGet(nodeId, token, out var activation))
        {
            session.OnActivationUpdated((Activation)activation!);
        }
        else
        {
            LeftAssert(session, token);
        }
    }

    /// <summary>
    /// For a join feeding this terminal directly: creates the activation of <paramref name="head"/> extended by
    /// <paramref name="last"/> and returns it for the join to keep in its own memory, so the extended token is never
    /// made (one-fact rules pass the empty token as the head).
    /// </summary>
    public Activation Create(Token head, Fact last) => Session.CreateActivation(Branch, head, last);

    /// <summary>For a node that keeps its children's activations itself (see <c>PassingEntry</c>): the activation of a token.</summary>
    public Activation Create(Token token) => Session.CreateActivation(Branch, token);

    public static void Created(Session session, Activation activation) => session.OnActivationCreated(activation);

    public static void Updated(Session session, Activation activation) => session.OnActivationUpdated(activation);

    public static void Deleted(Session session, Activation activation) => session.OnActivationDeleted(activation);

    public void LeftRetract(Session session, Token token)
    {
        if (session.TokenStateRemove(nodeId, token, out var activation))
        {
            session.OnActivationDeleted((Activation)activation!);
        }
    }
}
