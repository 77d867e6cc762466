// Matrix: a traced array seen as a row-major matrix, the shape carrier of the linear-algebra entry points.

/// A `FloatArray` holding a row-major `rows` × `columns` matrix. A view: it adds a shape, not storage, so the
/// same values can be seen as a matrix of another shape by making another `Matrix`.
public struct Matrix {
    /// The elements, row by row.
    public let values: FloatArray
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int

    /// `values` seen as a `rows` × `columns` matrix; its count must be rows × columns.
    public init(_ values: FloatArray, rows: Int, columns: Int) {
        precondition(rows > 0 && columns > 0, "Tracer: a matrix needs positive dimensions, got \(rows) × \(columns)")
        precondition(values.count == rows * columns,
                     "Tracer: a \(rows) × \(columns) matrix needs \(rows * columns) elements, got \(values.count)")
        self.values = values
        self.rows = rows
        self.columns = columns
    }

    /// `values` seen as a matrix of `columns` columns (the row count follows from the element count, which must
    /// be a positive multiple of it).
    public init(_ values: FloatArray, columns: Int) {
        precondition(columns > 0 && values.count % columns == 0 && values.count > 0,
                     "Tracer: \(values.count) elements are not rows of \(columns) columns")
        self.init(values, rows: values.count / columns, columns: columns)
    }

    /// [rows, columns], PyTorch's `shape`.
    public var shape: [Int] { [rows, columns] }
}
