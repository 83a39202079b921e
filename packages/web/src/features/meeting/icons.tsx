/** Meeting icons (line style like app/icons.tsx). Decorative unless given a label, then role="img". */
import type { ReactNode } from 'react';

function Icon({ label, children }: { label?: string | undefined; children: ReactNode }) {
  return (
    <svg
      width={20}
      height={20}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      focusable="false"
      className="icon"
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': true })}
    >
      {label && <title>{label}</title>}
      {children}
    </svg>
  );
}

type P = { label?: string | undefined };

export const MicIcon = ({ label }: P) => (
  <Icon label={label}>
    <rect x="9" y="3" width="6" height="11" rx="3" />
    <path d="M5 11a7 7 0 0 0 14 0M12 18v3" />
  </Icon>
);

export const MicOffIcon = ({ label }: P) => (
  <Icon label={label}>
    <path d="M3 3l18 18M9 9v2a3 3 0 0 0 5 2.2M15 10V6a3 3 0 0 0-5.7-1.3" />
    <path d="M5 11a7 7 0 0 0 11.5 5.4M19 11a7 7 0 0 1-.6 2.8M12 18v3" />
  </Icon>
);

export const CameraIcon = ({ label }: P) => (
  <Icon label={label}>
    <rect x="3" y="6" width="13" height="12" rx="2" />
    <path d="M16 10l5-3v10l-5-3" />
  </Icon>
);

export const CameraOffIcon = ({ label }: P) => (
  <Icon label={label}>
    <path d="M3 3l18 18M16 16v0a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h1M10 6h4a2 2 0 0 1 2 2v2l5-3v10" />
  </Icon>
);

export const ScreenIcon = ({ label }: P) => (
  <Icon label={label}>
    <rect x="3" y="4" width="18" height="12" rx="2" />
    <path d="M8 20h8M12 16v4M12 7v6M9 10l3-3 3 3" />
  </Icon>
);

export const GridIcon = ({ label }: P) => (
  <Icon label={label}>
    <rect x="3" y="3" width="8" height="8" rx="1" />
    <rect x="13" y="3" width="8" height="8" rx="1" />
    <rect x="3" y="13" width="8" height="8" rx="1" />
    <rect x="13" y="13" width="8" height="8" rx="1" />
  </Icon>
);

export const SpeakerViewIcon = ({ label }: P) => (
  <Icon label={label}>
    <rect x="3" y="3" width="18" height="12" rx="1" />
    <rect x="3" y="17" width="5" height="4" rx="1" />
    <rect x="9.5" y="17" width="5" height="4" rx="1" />
    <rect x="16" y="17" width="5" height="4" rx="1" />
  </Icon>
);

export const PeopleIcon = ({ label }: P) => (
  <Icon label={label}>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.5a3.5 3.5 0 0 1 0 7M18 14a6.5 6.5 0 0 1 3.5 6" />
  </Icon>
);

export const LeaveIcon = ({ label }: P) => (
  <Icon label={label}>
    <path d="M4 15c5-4 11-4 16 0l-2 3-3-1v-3a10 10 0 0 0-6 0v3l-3 1z" />
  </Icon>
);

export const SettingsIcon = ({ label }: P) => (
  <Icon label={label}>
    <path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0" />
    <circle cx="16" cy="6" r="2" />
    <circle cx="10" cy="12" r="2" />
    <circle cx="18" cy="18" r="2" />
  </Icon>
);

export const CloseIcon = ({ label }: P) => (
  <Icon label={label}>
    <path d="M6 6l12 12M18 6L6 18" />
  </Icon>
);

/** Three bars; how many are filled shows the quality. */
export const SignalIcon = ({ level }: { level: 0 | 1 | 2 | 3 }) => (
  <svg width={20} height={20} viewBox="0 0 24 24" aria-hidden="true" focusable="false" className="icon signal-icon">
    {[0, 1, 2].map((i) => (
      <rect key={i} x={4 + i * 6} y={16 - i * 5} width="4" height={5 + i * 5} rx="1" className={i < level ? 'signal-on' : 'signal-off'} />
    ))}
  </svg>
);
