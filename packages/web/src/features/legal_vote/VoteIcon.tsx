export function VoteIcon() {
  return (
    <svg width={20} height={20} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" focusable="false" className="icon" aria-hidden="true">
      <path d="M4 20h16M6 16l3-9h6l3 9M9 11l2 2 4-4" />
    </svg>
  );
}
