import { describePresence } from "./format.ts";
import { type SynclineClient, usePresence } from "./sdk.ts";

/** Properties of {@link MemberPresence}. */
export interface MemberPresenceProps {
  client: SynclineClient;
  /** The members other than the user, in the conversation's order. */
  userIds: readonly string[];
}

/** The other members of the open conversation, each with a presence dot and last-seen time. */
export function MemberPresence({ client, userIds }: MemberPresenceProps) {
  const presence = usePresence(client, userIds);
  return (
    <ul className="member-presence" aria-label="Members">
      {presence.map((entry) => {
        const detail = describePresence(entry);
        return (
          <li key={entry.userId} className="member" data-presence={entry.status}>
            <span className="presence-dot" aria-hidden="true" />
            <span className="member-name">{entry.userId}</span>
            {detail !== "" && <span className="member-detail">{detail}</span>}
          </li>
        );
      })}
    </ul>
  );
}
