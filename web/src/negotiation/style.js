// @ts-check
// The negotiation views' own styles (the pieces style.css does not have:
// the pending verdict, the save confirmation, waiver facts, comments, the
// activity log), added to the page once.

const CSS = `
.verdict.pending { color: #92400e; }
.sev-pending { --sev: #b45309; }
#nego .small { font-size: 12px; }
#nego label.small { display: block; margin: 6px 0 2px; color: #374151; }
#nego .field { margin: 4px 0 6px; }
#nego .field select { max-width: 100%; }
#nego fieldset.checks {
  border: 0;
  padding: 0;
  margin: 3px 0 0;
  display: flex;
  flex-wrap: wrap;
  gap: 10px;
  font-size: 12.5px;
}
#nego fieldset.checks legend { float: left; margin-right: 4px; color: #374151; }
.confirm {
  margin-top: 8px;
  border: 1px solid #93c5fd;
  background: #eff6ff;
  border-radius: 6px;
  padding: 6px 8px;
  font-size: 12.5px;
}
.confirm p { margin: 3px 0; }
.confirm-towns { font-weight: 600; }
.overlap-warning {
  margin: 4px 0;
  padding: 4px 6px;
  border-radius: 5px;
  background: #fffbeb;
  color: #78350f;
  border: 1px solid #fcd34d;
}
.merge-summary { display: block; }
.merge-summary .btn { margin: 2px 0; }
.nego-msg .row { margin-top: 0; flex: none; }
.comments { margin-top: 4px; font-size: 12px; }
.comments summary { cursor: pointer; color: #1d4ed8; }
.comments-list {
  list-style: none;
  margin: 4px 0;
  padding: 0;
  display: flex;
  flex-direction: column;
  gap: 4px;
}
.comment { border-left: 3px solid #c7d2fe; padding: 1px 6px; }
.comment-body { white-space: pre-wrap; }
.comment-form textarea {
  width: 100%;
  font: inherit;
  font-size: 12.5px;
  padding: 4px 6px;
  border: 1px solid #d1d5db;
  border-radius: 5px;
}
.facts { border-collapse: collapse; font-size: 12px; margin: 4px 0; width: 100%; }
.facts th {
  text-align: left;
  font-weight: 400;
  color: #4b5563;
  padding: 1px 6px 1px 0;
  vertical-align: top;
  white-space: nowrap;
}
.facts td { padding: 1px 0; }
.facts .short { color: #991b1b; }
.facts .meets { color: #166534; }
.state-hecs {
  list-style: none;
  margin: 0;
  padding: 0;
  display: flex;
  flex-direction: column;
  gap: 4px;
}
.state-hec { border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 8px; font-size: 12.5px; }
.state-hec .verdict { display: block; font-weight: 600; }
.audit {
  list-style: none;
  margin: 0;
  padding: 0;
  display: flex;
  flex-direction: column;
  gap: 3px;
  font-size: 12px;
}
.audit li { border-bottom: 1px solid #f3f4f6; padding: 2px 0; }
.export-row { display: flex; flex-wrap: wrap; align-items: center; gap: 5px; }
.status.pending { background: #fef3c7; color: #78350f; }
`;

/** Adds the styles to the page (once). */
export function ensureStyle() {
  if (document.getElementById('nego-style')) return;
  const style = document.createElement('style');
  style.id = 'nego-style';
  style.textContent = CSS;
  document.head.append(style);
}
