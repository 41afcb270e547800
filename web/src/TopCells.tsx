export interface TopCell {
  cell: string;
  incidents: number;
  harm: number;
  label: string;
}

/**
 * Keyboard access to the cells: the cells drawn in the current view with most harm (or incidents), as
 * a table of buttons; each opens the same panel as a click on the map.
 */
export function TopCells({
  cells,
  forView,
  unit,
  onOpen,
  selected,
}: {
  cells: TopCell[];
  /** The view and cells the list answers (data-for-view), so a test waits for the current one. */
  forView: string;
  unit: string;
  onOpen: (cell: string) => void;
  selected: string | null;
}) {
  return (
    <section className="top-cells" aria-labelledby="top-cells-heading">
      <h2 id="top-cells-heading">Top cells in view</h2>
      {cells.length === 0 ? (
        <p className="muted">No cell is drawn in the current view.</p>
      ) : (
        <table data-testid="top-cells" data-for-view={forView}>
          <caption className="sr-only">The {cells.length} cells in view with most harm; choose one to open its panel</caption>
          <thead>
            <tr>
              <th scope="col">Cell</th>
              <th scope="col">Incidents</th>
              <th scope="col">Harm ({unit})</th>
            </tr>
          </thead>
          <tbody>
            {cells.map((c, i) => (
              <tr key={c.cell} className={c.cell === selected ? 'selected' : undefined}>
                <td>
                  <button type="button" className="link" onClick={() => onOpen(c.cell)}>
                    {i + 1}. {c.cell}
                  </button>
                </td>
                <td>{c.incidents.toLocaleString('en-GB')}</td>
                <td>{Math.round(c.harm).toLocaleString('en-GB')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
